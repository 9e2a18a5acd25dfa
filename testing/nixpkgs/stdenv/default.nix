# stdenv (no C compiler, like nixpkgs' stdenvNoCC) with nixpkgs' mkDerivation contract
# (pkgs/stdenv/generic/make-derivation.nix, check-meta.nix): attrs or `finalAttrs: attrs`, overrideAttrs,
# passthru and meta kept out of the derivation, `env`, dependency type checks, broken/unfree refusal.
{ lib, system, config, bootstrap }:
let
  inherit (lib) concatStringsSep filter imap1 isDerivation isList makeBinPath;
  inherit (bootstrap) bash busybox coreutils;

  # coreutils before busybox: nixpkgs' stdenv has GNU tools; busybox fills in sed, grep, awk, tar, gzip,
  # find, diff, patch and unzip.
  initialPath = [ coreutils busybox ];

  shell = "${bash}/bin/bash";

  setup = bootstrap.run {
    name = "stdenv-linux";
    script = ''
      mkdir $out
      { echo 'initialPath=${makeBinPath initialPath}'; cat ${./setup.sh}; } >$out/setup
    '';
  };

  hostPlatform = {
    inherit system;
    config = "x86_64-unknown-linux-gnu";
    isLinux = true; isDarwin = false; isx86_64 = true; isAarch64 = false; is64bit = true;
    parsed = { cpu = { name = "x86_64"; bits = 64; }; kernel = { name = "linux"; }; abi = { name = "gnu"; }; };
  };

  # nixpkgs: "Dependency is not of a valid type: element 1 of buildInputs for foo"
  checkDependencyList = name: drvName: deps:
    imap1 (index: dep:
      if dep == null || isDerivation dep || builtins.isString dep || builtins.isPath dep then dep
      else if isList dep then checkDependencyList "element ${toString index} of ${name}" drvName dep
      else throw "Dependency is not of a valid type: element ${toString index} of ${name} for ${drvName}") deps;

  dependencyAttrs = [
    "nativeBuildInputs" "buildInputs" "propagatedNativeBuildInputs" "propagatedBuildInputs"
    "nativeCheckInputs" "checkInputs" "nativeInstallCheckInputs" "installCheckInputs"
  ];

  # check-meta.nix: what nixpkgs refuses to evaluate unless config allows it.
  metaProblem = name: meta:
    let
      licenses = lib.toList (meta.license or [ ]);
      unfree = builtins.any (l: !(l.free or true)) licenses;
    in
    if (meta.broken or false) && !(config.allowBroken or false) then
      "Package ‘${name}’ is marked as broken, refusing to evaluate."
    else if unfree && !(config.allowUnfree or false) then
      "Package ‘${name}’ has an unfree license, refusing to evaluate."
    else if meta ? platforms && !(builtins.elem system meta.platforms) then
      "Package ‘${name}’ is not available on the requested hostPlatform ${system}, refusing to evaluate."
    else null;

  mkDerivationSimple = overrideAttrs: attrs:
    let
      name =
        if attrs ? name then attrs.name
        else if attrs ? pname && attrs ? version then "${attrs.pname}-${attrs.version}"
        else throw "mkDerivation: set `name`, or `pname` and `version`";
      meta = attrs.meta or { };
      problem = metaProblem name meta;
      env = attrs.env or { };
      overlapping = builtins.attrNames (builtins.intersectAttrs env attrs);
      checkedEnv =
        if overlapping != [ ] then
          throw "${name}: The ‘env’ attribute set cannot contain any attributes passed to derivation. The following attributes are overlapping: ${concatStringsSep ", " overlapping}"
        else builtins.mapAttrs (n: v:
          if builtins.isString v || builtins.isBool v || builtins.isInt v || isDerivation v then v
          else throw "${name}: The ‘env’ attribute set can only contain derivation, string, boolean or integer attributes. The ‘${n}’ attribute is of type ${builtins.typeOf v}.") env;
      drvAttrs =
        removeAttrs attrs [ "meta" "passthru" "pos" "env" "realBuilder" "finalPackage" ]
        // builtins.listToAttrs (map (a: { name = a; value = checkDependencyList a name attrs.${a}; })
          (filter (a: attrs ? ${a}) dependencyAttrs))
        // {
          name = if problem == null then name else throw problem;
          inherit system;
          builder = attrs.realBuilder or shell;
          args = attrs.args or [ "-e" (attrs.builder or ./default-builder.sh) ];
          stdenv = setup;
        }
        // checkedEnv;
      drv =
        if attrs.__structuredAttrs or false then
          throw "${name}: __structuredAttrs is not supported by testing/nixpkgs"
        else derivation drvAttrs;
    in
    drv // (attrs.passthru or { }) // {
      inherit meta overrideAttrs;
      ${if attrs ? pname then "pname" else null} = attrs.pname;
      ${if attrs ? version then "version" else null} = attrs.version;
    };

  # mkDerivation (attrs | finalAttrs: attrs); overrideAttrs takes (prev: ...) or (final: prev: ...).
  makeDerivationExtensible = rattrs:
    let
      args = rattrs (args // { inherit finalPackage; });
      finalPackage = mkDerivationSimple overrideAttrs args;
      overrideAttrs = f0:
        let
          f = final: prev:
            let x = f0 prev; in if builtins.isFunction x then f0 final prev else x;
        in
        makeDerivationExtensible (final: let prev = rattrs final; in prev // f final prev);
    in
    finalPackage;

  mkDerivation = fnOrAttrs:
    makeDerivationExtensible (if builtins.isFunction fnOrAttrs then fnOrAttrs else _: fnOrAttrs);
in
setup // {
  inherit mkDerivation shell initialPath hostPlatform system;
  buildPlatform = hostPlatform;
  targetPlatform = hostPlatform;
  inherit (hostPlatform) isLinux isDarwin;
  # No C compiler. nixpkgs' stdenv.cc.cc is the unwrapped GCC, whose `lib` output holds libstdc++ and
  # libgcc_s: that output is all there is here (pythonManylinuxPackages and binary wheels use it).
  cc = {
    cc = bootstrap.gccLib // { lib = bootstrap.gccLib; outputs = [ "lib" ]; };
    isGNU = true;
    isClang = false;
    libc = bootstrap.glibc;
  };
  # Like nixpkgs: `bash -n` as a syntax check for writeShellScript.
  shellDryRun = "${shell} -n -O extglob";
}
