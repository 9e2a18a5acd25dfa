# What the set checks as nixpkgs does: binary wheels patched by autoPatchelfHook against
# pythonManylinuxPackages (and failing without), pythonImportsCheck, the runtime-dependency check with
# pythonRelaxDeps/pythonRemoveDeps/dontCheckRuntimeDeps, pypa/build's check of build requirements, the
# metadata check (the built METADATA carries the derivation's version) and the closure's conflict check.
# rigtest/strict_test.go builds each attribute and expects success or a given failure.
{ pkgs ? import ../. { } }:
let
  # python311: its binary wheels (greenlet, mappy) are bookworm's cp311 builds.
  inherit (pkgs) python311 autoPatchelfHook pythonManylinuxPackages;
  ps = python311.pkgs;

  # A binary wheel of the set (its extension modules have no RPATH), installed with the given extras.
  wheel = drv: extra: ps.buildPythonPackage ({
    inherit (drv) pname version src;
    format = "wheel";
    pythonImportsCheck = [ drv.pname ];
  } // extra);

  # click a second time, in a store path of its own.
  clickCopy = ps.click.overrideAttrs (_: { name = "python3.11-click-copy"; });

  # A project built from source by hatchling, with the given [build-system] and [project] requirements.
  project = { name, buildRequires ? [ "hatchling" ], requires ? [ ] }: pkgs.runCommand "${name}-src" { } ''
    mkdir -p $out/${name}
    echo 'answer = 42' >$out/${name}/__init__.py
    cat >$out/pyproject.toml <<EOT
    [build-system]
    requires = [${pkgs.lib.concatMapStringsSep ", " (r: ''"${r}"'') buildRequires}]
    build-backend = "hatchling.build"
    [project]
    name = "${name}"
    version = "1.0"
    dependencies = [${pkgs.lib.concatMapStringsSep ", " (r: ''"${r}"'') requires}]
    EOT
  '';
  fromSource = { name, buildRequires ? [ "hatchling" ], requires ? [ ], dependencies ? [ ], extra ? { } }:
    ps.buildPythonPackage ({
      pname = name;
      version = "1.0";
      pyproject = true;
      src = project { inherit name buildRequires requires; };
      build-system = [ ps.hatchling ];
      inherit dependencies;
      pythonImportsCheck = [ name ];
    } // extra);
in
{
  # Succeed.
  greenlet = ps.greenlet;
  mappy = ps.mappy;
  ignoreMissing = wheel ps.greenlet {
    nativeBuildInputs = [ autoPatchelfHook ];
    autoPatchelfIgnoreMissingDeps = [ "libstdc++.so.6" "libgcc_s.so.*" ];
    pythonImportsCheck = [ ];
  };
  manylinux1 = wheel ps.greenlet { nativeBuildInputs = [ autoPatchelfHook ]; buildInputs = pythonManylinuxPackages.manylinux1; };
  removeDeps = fromSource { name = "needs_click"; requires = [ "click" ]; extra.pythonRemoveDeps = [ "click" ]; };
  relaxDeps = fromSource { name = "old_click"; requires = [ "click>=99" ]; dependencies = [ ps.click ]; extra.pythonRelaxDeps = [ "click" ]; };
  skipDeps = fromSource { name = "skips_click"; requires = [ "click" ]; extra.dontCheckRuntimeDeps = true; };
  buildDeps = fromSource { name = "plain"; };
  unstableVersion = fromSource { name = "versioned"; extra.version = "1.0-unstable-2026-11-30"; };
  metadataUnchecked = fromSource { name = "versioned"; extra = { version = "2.0"; dontCheckPythonMetadata = true; }; };
  conflictsUnchecked = fromSource { name = "two_clicks"; dependencies = [ ps.click clickCopy ]; extra.catchConflicts = false; };

  # Fail.
  unpatchedCxx = wheel ps.greenlet { };
  unpatchedZlib = wheel ps.mappy { };
  noLibraries = wheel ps.greenlet { nativeBuildInputs = [ autoPatchelfHook ]; };
  importsMissing = wheel ps.greenlet { nativeBuildInputs = [ autoPatchelfHook ]; buildInputs = pythonManylinuxPackages.manylinux2014; pythonImportsCheck = [ "greenlet.nonexistent" ]; };
  runtimeDepMissing = fromSource { name = "needs_click"; requires = [ "click" ]; };
  runtimeDepVersion = fromSource { name = "old_click"; requires = [ "click>=99" ]; dependencies = [ ps.click ]; };
  buildDepMissing = fromSource { name = "scm"; buildRequires = [ "hatchling" "setuptools-scm>=8" ]; };
  buildDepVersion = fromSource { name = "new_hatch"; buildRequires = [ "hatchling>=99" ]; };
  metadataMismatch = fromSource { name = "versioned"; extra.version = "2.0"; };
  conflicting = fromSource { name = "two_clicks"; dependencies = [ ps.click clickCopy ]; };
}
