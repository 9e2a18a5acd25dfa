# Applications built from source by the set's build backends, as rules_nixpy's generated Nix does.
{ pkgs ? import ../. { } }:
let
  inherit (pkgs) python3 lib;
in
{
  hello-hatch = python3.pkgs.buildPythonApplication {
    pname = "hello-hatch";
    version = "0.1.0";
    pyproject = true;
    src = lib.cleanSource ./hello-hatch;
    build-system = [ python3.pkgs.hatchling ];
    dependencies = [ python3.pkgs.flask ];
    pythonImportsCheck = [ "hello_hatch" ];
  };

  hello-setuptools = python3.pkgs.buildPythonApplication {
    pname = "hello-setuptools";
    version = "0.2.0";
    pyproject = true;
    src = lib.cleanSource ./hello-setuptools;
    build-system = with python3.pkgs; [ setuptools wheel ];
    dependencies = [ python3.pkgs.click ];
  };
}
