# The Debian .debs pinned in debs.lock, as store paths: debs.<package> (e.g. debs.libc6), plus
# debVersions.<package>, the upstream version (no epoch, no Debian revision) that names derivations.
# A missing or altered file stops evaluation naming the package and the fix; nothing falls back to the host.
{ lib }:
let
  inherit (lib) filter hasPrefix splitString elemAt replaceStrings;

  lines = filter (l: l != "" && !hasPrefix "#" l) (splitString "\n" (builtins.readFile ./debs.lock));

  parse = line:
    let f = filter (x: x != "") (splitString " " line); in
    { name = elemAt f 0; version = elemAt f 1; file = elemAt f 2; sha256 = elemAt f 3; };

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
  # repacks) -> "1.2.13" and "0.6.0", "10.0.0" (native) -> "10.0.0"
  upstream = v:
    let
      noEpoch = let m = builtins.match "[0-9]+:(.*)" v; in if m == null then v else builtins.head m;
      noRevision = let m = builtins.match "(.*)-[^-]+" noEpoch; in if m == null then noEpoch else builtins.head m;
      noRepack = builtins.head (builtins.match "([^+~]*).*" noRevision);
      m = builtins.match "(.*)\\.(dfsg|ds)[0-9]*" noRepack;
    in
    if m == null then noRepack else builtins.head m;
in
{
  debs = builtins.listToAttrs (map (e: { inherit (e) name; value = import' e; }) entries);
  debVersions = builtins.listToAttrs (map (e: { inherit (e) name; value = upstream e.version; }) entries);
}
