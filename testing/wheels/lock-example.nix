# Lock mode the way rules_nixpy generates it: every dependency a wheel pinned by URL and hash, from
# manifest.json (run testing/wheels/add-wheels first: the fixed outputs must be in the store offline).
{ pkgs ? import ../nixpkgs { } }:
let
  manifest = builtins.listToAttrs (map (w: { name = w.name; value = w; })
    (builtins.fromJSON (builtins.readFile ./manifest.json)).wheels);
  wheel = name: deps: pkgs.python311.pkgs.buildPythonPackage {
    pname = name;
    inherit (manifest.${name}) version;
    format = "wheel";
    src = pkgs.fetchurl { inherit (manifest.${name}) url hash; };
    dependencies = deps;
  };
  python = pkgs.python311.override {
    packageOverrides = self: super: {
      markupsafe = wheel "markupsafe" [ ];
      jinja2 = wheel "jinja2" [ self.markupsafe ];
      werkzeug = wheel "werkzeug" [ self.markupsafe ];
      itsdangerous = wheel "itsdangerous" [ ];
      click = wheel "click" [ ];
      flask = wheel "flask" (with self; [ click itsdangerous jinja2 werkzeug ]);
    };
  };
in
python.withPackages (ps: [ ps.flask ])
