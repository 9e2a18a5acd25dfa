# fetchurl, the trivial builders, buildEnv and symlinkJoin with nixpkgs' argument names
# (pkgs/build-support/fetchurl/default.nix, trivial-builders/default.nix, buildenv/default.nix).
# Functions without `...` in nixpkgs have none here, so an unknown argument fails the same way.
{ lib, stdenv, runtimeShell }:
let
  inherit (lib) filter head length;
  defaultStdenv = stdenv;
in
rec {
  # Nix's builtin fetcher (builder "builtin:fetchurl"): a fixed output, so offline it succeeds when the
  # file is already in the store, e.g. added with `nix-store --add-fixed sha256 NAME` (testing/wheels).
  fetchurl =
    { url ? ""
    , urls ? [ ]
    , curlOpts ? ""
    , curlOptsList ? [ ]
    , name ? null
    , pname ? null
    , version ? null
    , hash ? ""
    , outputHash ? ""
    , outputHashAlgo ? ""
    , sha1 ? ""
    , sha256 ? ""
    , sha512 ? ""
    , recursiveHash ? false
    , netrcPhase ? null
    , netrcImpureEnvVars ? [ ]
    , postFetch ? ""
    , downloadToTemp ? false
    , executable ? false
    , showURLs ? false
    , meta ? { }
    , passthru ? { }
    , preferLocalBuild ? true
    , nativeBuildInputs ? [ ]
    , derivationArgs ? { }
    }@args:
    let
      urls' =
        if urls != [ ] && url == "" then urls
        else if urls == [ ] && url != "" then [ url ]
        else throw "fetchurl requires either `url` or `urls` to be set";
      hashes = filter (h: h != "") [ hash outputHash sha1 sha256 sha512 ];
      hashArgs =
        if length hashes > 1 then throw "multiple hashes passed to fetchurl: ${head urls'}"
        else if hash != "" then { outputHash = hash; outputHashAlgo = ""; }
        else if outputHash != "" then
          (if outputHashAlgo != "" then { inherit outputHash outputHashAlgo; }
           else throw "fetchurl was passed outputHash without outputHashAlgo: ${head urls'}")
        else if sha512 != "" then { outputHash = sha512; outputHashAlgo = "sha512"; }
        else if sha256 != "" then { outputHash = sha256; outputHashAlgo = "sha256"; }
        else if sha1 != "" then { outputHash = sha1; outputHashAlgo = "sha1"; }
        else throw "fetchurl requires a hash for fixed-output derivation: ${head urls'}";
      fileName =
        if pname != null && version != null then "${pname}-${version}"
        else if name != null then name
        else baseNameOf (toString (head urls'));
    in
    if postFetch != "" || downloadToTemp || recursiveHash || netrcPhase != null then
      throw "fetchurl ${head urls'}: postFetch, downloadToTemp, recursiveHash and netrcPhase are not supported by testing/nixpkgs (builtin fetcher)"
    else
      # The builtin fetcher tries one URL: the first, which nixpkgs also tries first.
      derivation ({
        name = fileName;
        builder = "builtin:fetchurl";
        system = "builtin";
        url = head urls';
        inherit executable;
        unpack = false;
        outputHashMode = if executable then "recursive" else "flat";
        preferLocalBuild = true;
        impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
      } // hashArgs)
      // passthru // { inherit meta; url = head urls'; };

  runCommandWith =
    { stdenv ? defaultStdenv, runLocal ? false, derivationArgs ? { }, name }:
    buildCommand:
    stdenv.mkDerivation ({
      inherit buildCommand name;
      passAsFile = [ "buildCommand" ] ++ (derivationArgs.passAsFile or [ ]);
    } // lib.optionalAttrs runLocal { preferLocalBuild = true; allowSubstitutes = false; }
      // removeAttrs derivationArgs [ "passAsFile" ]);

  runCommand = name: env: runCommandWith { inherit name; derivationArgs = env; };
  runCommandLocal = name: env: runCommandWith { inherit name; runLocal = true; derivationArgs = env; };
  runCommandNoCC = runCommand;
  runCommandNoCCLocal = runCommandLocal;

  writeTextFile =
    { name
    , text
    , executable ? false
    , destination ? ""
    , checkPhase ? ""
    , meta ? { }
    , passthru ? { }
    , allowSubstitutes ? false
    , preferLocalBuild ? true
    , derivationArgs ? { }
    }:
    assert lib.assertMsg (destination != "" -> (lib.hasPrefix "/" destination && destination != "/"))
      "destination must be an absolute path, relative to the derivation's out path, got '${destination}' instead.";
    runCommand name ({
      inherit text executable checkPhase allowSubstitutes preferLocalBuild;
      passAsFile = [ "text" ] ++ derivationArgs.passAsFile or [ ];
      inherit meta passthru;
    } // removeAttrs derivationArgs [ "passAsFile" ]) ''
      target=$out${lib.escapeShellArg destination}
      mkdir -p "$(dirname "$target")"
      if [ -e "$textPath" ]; then mv "$textPath" "$target"; else echo -n "$text" >"$target"; fi
      if [ -n "$executable" ]; then chmod +x "$target"; fi
      eval "$checkPhase"
    '';

  writeText = name: text: writeTextFile { inherit name text; };
  writeTextDir = path: text: writeTextFile { inherit text; name = baseNameOf path; destination = "/${path}"; };
  writeScript = name: text: writeTextFile { inherit name text; executable = true; };
  writeScriptBin = name: text: writeTextFile { inherit name text; executable = true; destination = "/bin/${name}"; };
  writeShellScript = name: text: writeTextFile {
    inherit name;
    executable = true;
    text = "#!${runtimeShell}\n${text}\n";
    checkPhase = "${stdenv.shellDryRun} \"$target\"";
  };
  writeShellScriptBin = name: text: writeTextFile {
    inherit name;
    executable = true;
    destination = "/bin/${name}";
    text = "#!${runtimeShell}\n${text}\n";
    checkPhase = "${stdenv.shellDryRun} \"$target\"";
  };

  # nixpkgs' symlinkJoin has `...` (extra attributes reach mkDerivation); lndir there, cp -rs here.
  symlinkJoin =
    { name ? assert lib.assertMsg (args ? pname && args ? version) "symlinkJoin requires either a `name` OR `pname` and `version`";
        "${args.pname}-${args.version}"
    , paths
    , stripPrefix ? ""
    , preferLocalBuild ? true
    , allowSubstitutes ? false
    , postBuild ? ""
    , failOnMissing ? stripPrefix == ""
    , ...
    }@args:
    let
      mapPaths = f: map (p: if stripPrefix == "" then p else "${p}${stripPrefix}") f;
    in
    stdenv.mkDerivation (removeAttrs args [ "name" "paths" "stripPrefix" "failOnMissing" "postBuild" ] // {
      inherit name preferLocalBuild allowSubstitutes;
      paths = mapPaths paths;
      passAsFile = [ "buildCommand" "paths" ];
      buildCommand = ''
        mkdir -p $out
        for i in $(cat $pathsPath); do
          if [ ! -e "$i" ]; then
            ${if failOnMissing then ''echo "symlinkJoin: $i does not exist" >&2; exit 1'' else "continue"}
          fi
          cp -rsn --no-preserve=mode "$i"/. $out/
        done
        ${postBuild}
      '';
    });

  # buildEnv: a symlink tree of `paths`; a file in two paths is an error unless ignoreCollisions.
  # nixpkgs' has no `...` either. Ignored here: manifest, includeClosures, extraOutputsToInstall,
  # ignoreSingleFileOutputs (the set's packages have one output).
  buildEnv =
    { manifest ? ""
    , paths
    , ignoreCollisions ? false
    , ignoreSingleFileOutputs ? false
    , includeClosures ? false
    , checkCollisionContents ? true
    , pathsToLink ? [ "/" ]
    , extraOutputsToInstall ? [ ]
    , extraPrefix ? ""
    , postBuild ? ""
    , derivationArgs ? { }
    , name ? null
    , pname ? null
    , version ? null
    , nativeBuildInputs ? null
    , buildInputs ? null
    , passthru ? null
    , meta ? null
    }:
    stdenv.mkDerivation (derivationArgs // {
      name = if name != null then name else "${pname}-${version}";
      inherit postBuild ignoreCollisions checkCollisionContents;
      nativeBuildInputs = if nativeBuildInputs != null then nativeBuildInputs else [ ];
      buildInputs = if buildInputs != null then buildInputs else [ ];
      passthru = { inherit paths; } // (if passthru != null then passthru else { });
      meta = if meta != null then meta else { };
      paths = map toString paths;
      inherit pathsToLink;
      inherit extraPrefix;
      passAsFile = [ "paths" ];
      preferLocalBuild = true;
      allowSubstitutes = false;
      buildCommand = ''
        root=$out$extraPrefix
        mkdir -p "$root"
        for p in $(cat $pathsPath); do
          for sub in $pathsToLink; do
            sub=''${sub%/}
            [ -d "$p$sub" ] || continue
            (cd "$p$sub" && find . -mindepth 1 \( -type f -o -type l \) -print) | while read -r rel; do
              dst="$root$sub/''${rel#./}"
              if [ -e "$dst" ] || [ -L "$dst" ]; then
                if [ "$(readlink -f "$dst")" = "$(readlink -f "$p$sub/$rel")" ]; then continue; fi
                if [ -n "$checkCollisionContents" ] && cmp -s "$dst" "$p$sub/$rel"; then continue; fi
                if [ -n "$ignoreCollisions" ]; then continue; fi
                echo "buildEnv error: two given paths contain a conflicting subpath: '$(readlink "$dst")' and '$p$sub/''${rel#./}'" >&2
                exit 1
              fi
              mkdir -p "$(dirname "$dst")"
              ln -s "$p$sub/''${rel#./}" "$dst"
            done
          done
        done
        eval "$postBuild"
      '';
    });
}
