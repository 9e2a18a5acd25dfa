# The Debian .debs pinned in debs.lock, by suite: <suite>.debs.<package> (e.g. trixie.debs.libc6) is a store
# path, <suite>.debVersions.<package> the upstream version (no epoch, no Debian revision) that names
# derivations. A package name may appear in several suites (libc6 of bookworm and of trixie).
# A missing or altered file stops evaluation naming the package and the fix; nothing falls back to the host.
{ lib }:
let
  inherit (lib) filter hasPrefix splitString elemAt replaceStrings unique;

  lines = filter (l: l != "" && !hasPrefix "#" l) (splitString "\n" (builtins.readFile ./debs.lock));

  parse = line:
    let f = filter (x: x != "") (splitString " " line); in
    { suite = elemAt f 0; name = elemAt f 1; version = elemAt f 2; file = elemAt f 3; sha256 = elemAt f 4; };

  entries = map parse lines;

  fix = "run testing/nixpkgs/fetch-debs (dev/setup does)";

  import' = e:
    let p = ./debs + "/${e.file}"; in
    if !builtins.pathExists p then
      throw "testing/nixpkgs: the .deb of ${e.name} ${e.version} (${e.file}) is missing from testing/nixpkgs/debs/: ${fix}"
    else if builtins.hashFile "sha256" p != e.sha256 then
      throw "testing/nixpkgs: testing/nixpkgs/debs/${e.file} (${e.name}) does not have the sha256 pinned in debs.lock: ${fix}; if Debian changed it, run testing/nixpkgs/update-pins"
    else
      builtins.path {
        path = p;
        # Store names allow neither '~' nor ':', which Debian versions use.
        name = replaceStrings [ "~" ":" ] [ "_" "_" ] e.file;
        recursive = false;
        inherit (e) sha256;
      };

  # "1:2.5.1-4" -> "2.5.1", "3.11.2-6+deb12u9" -> "3.11.2", "1.2.13.dfsg-1" and "0.6.0+dfsg1-1" (Debian
  # repacks) -> "1.2.13" and "0.6.0", "10.0.0" (native) -> "10.0.0"; Debian's "X+really.Y" (a version
  # rolled back to Y under a higher number) -> Y: "8.2.0+0.really.8.1.8-1" -> "8.1.8"
  upstream = v:
    let
      noEpoch = let m = builtins.match "[0-9]+:(.*)" v; in if m == null then v else builtins.head m;
      noRevision = let m = builtins.match "(.*)-[^-]+" noEpoch; in if m == null then noEpoch else builtins.head m;
      really = let m = builtins.match ".*really\\.?([0-9].*)" noRevision; in if m == null then noRevision else builtins.head m;
      noRepack = builtins.head (builtins.match "([^+~]*).*" really);
      m = builtins.match "(.*)\\.(dfsg|ds)[0-9]*" noRepack;
    in
    if m == null then noRepack else builtins.head m;

  suite = s:
    let mine = filter (e: e.suite == s) entries; in
    {
      name = s;
      debs = builtins.listToAttrs (map (e: { inherit (e) name; value = import' e; }) mine);
      debVersions = builtins.listToAttrs (map (e: { inherit (e) name; value = upstream e.version; }) mine);
    };
in
builtins.listToAttrs (map (s: { name = s; value = suite s; }) (unique (map (e: e.suite) entries)))
