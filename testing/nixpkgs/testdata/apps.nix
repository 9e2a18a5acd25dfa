# Applications built from source by the set's build backends, as rules_nixpy's generated Nix does, for each
# interpreter of the set: python311.hello-hatch, python313.hello-setuptools, ...
{ pkgs ? import ../. { } }:
let
  inherit (pkgs) lib;
  apps = python: {
    # nix-build builds the derivations of a nested set only when it says so.
    recurseForDerivations = true;

    hello-hatch = python.pkgs.buildPythonApplication {
      pname = "hello-hatch";
      version = "0.1.0";
      pyproject = true;
      src = lib.cleanSource ./hello-hatch;
      build-system = [ python.pkgs.hatchling ];
      dependencies = [ python.pkgs.flask ];
      pythonImportsCheck = [ "hello_hatch" ];
    };

    hello-setuptools = python.pkgs.buildPythonApplication {
      pname = "hello-setuptools";
      version = "0.2.0";
      pyproject = true;
      src = lib.cleanSource ./hello-setuptools;
      build-system = with python.pkgs; [ setuptools wheel ];
      dependencies = [ python.pkgs.click ];
    };
  };
in
{
  python311 = apps pkgs.python311;
  python313 = apps pkgs.python313;
}
