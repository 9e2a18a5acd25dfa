# The part of nixpkgs' lib that rules_nixpy's generated Nix, its rules and this package set use, with
# nixpkgs' names and semantics (lib/{trivial,fixed-points,lists,strings,attrsets,versions,meta}.nix).
# Everything is also reachable under its nixpkgs sub-attribute (lib.strings.hasPrefix, lib.lists.unique...).
let
  inherit (builtins)
    add attrNames attrValues concatLists concatStringsSep elem elemAt filter foldl' genList getAttr hasAttr head
    isAttrs isFunction isList isString length listToAttrs map mapAttrs match removeAttrs replaceStrings split
    stringLength substring tail toString typeOf;

  trivial = rec {
    id = x: x;
    const = x: _: x;
    flip = f: a: b: f b a;
    pipe = foldl' (x: f: f x);
    concat = x: y: x ++ y;
    or = x: y: x || y;
    and = x: y: x && y;
    boolToString = b: if b then "true" else "false";
    mergeAttrs = x: y: x // y;
    assertMsg = pred: msg: pred || builtins.throw msg;
    throwIf = cond: msg: if cond then throw msg else id;
    throwIfNot = cond: msg: if cond then id else throw msg;
    warn = msg: builtins.trace "evaluation warning: ${msg}";
    warnIf = cond: msg: if cond then warn msg else id;
    warnIfNot = cond: msg: if cond then id else warn msg;
    inPureEvalMode = !builtins ? currentSystem;
    functionArgs = f: if f ? __functor then f.__functionArgs or (functionArgs (f.__functor f)) else builtins.functionArgs f;
    setFunctionArgs = f: args: { __functor = self: f; __functionArgs = args; };
    isFunction = f: builtins.isFunction f || (f ? __functor && isFunction (f.__functor f));
    # The release this set mirrors the API of.
    release = "25.11";
    version = release;
  };

  fixedPoints = rec {
    fix = f: let x = f x; in x;
    fix' = f: let x = f x // { __unfix__ = f; }; in x;
    extends = overlay: f: final: let prev = f final; in prev // overlay final prev;
    composeExtensions = f: g: final: prev:
      let fApplied = f final prev; prev' = prev // fApplied; in fApplied // g final prev';
    composeManyExtensions = builtins.foldl' (a: b: composeExtensions a b) (final: prev: { });
    makeExtensible = makeExtensibleWithCustomName "extend";
    makeExtensibleWithCustomName = extenderName: rattrs:
      fix' (self: rattrs self // { ${extenderName} = f: makeExtensibleWithCustomName extenderName (extends f rattrs); });
  };

  lists = rec {
    inherit (builtins) head tail length elem elemAt filter concatLists genList sort partition groupBy any all;
    singleton = x: [ x ];
    forEach = xs: f: map f xs;
    foldr = op: nul: list:
      let len = length list; fold' = n: if n == len then nul else op (elemAt list n) (fold' (n + 1)); in fold' 0;
    foldl = op: nul: list: foldl' op nul list;
    foldl' = builtins.foldl';
    imap0 = f: list: genList (n: f n (elemAt list n)) (length list);
    imap1 = f: list: genList (n: f (n + 1) (elemAt list n)) (length list);
    concatMap = builtins.concatMap;
    flatten = x: if isList x then concatMap flatten x else [ x ];
    remove = e: filter (x: x != e);
    findFirst = pred: default: list: let found = filter pred list; in if found == [ ] then default else head found;
    optional = cond: elem: if cond then [ elem ] else [ ];
    optionals = cond: elems: if cond then elems else [ ];
    toList = x: if isList x then x else [ x ];
    range = first: last: if first > last then [ ] else genList (n: first + n) (last - first + 1);
    last = list: assert list != [ ] || throw "lists.last: list must not be empty!"; elemAt list (length list - 1);
    init = list: assert list != [ ] || throw "lists.init: list must not be empty!"; take (length list - 1) list;
    take = count: sublist 0 count;
    drop = count: list: sublist count (length list) list;
    sublist = start: count: list:
      let len = length list; in
      genList (n: elemAt list (n + start))
        (if start >= len then 0 else if start + count > len then len - start else count);
    unique = foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ];
    reverseList = xs: let l = length xs; in genList (n: elemAt xs (l - n - 1)) l;
    count = pred: foldl' (c: x: if pred x then c + 1 else c) 0;
    intersectLists = e: filter (x: elem x e);
    subtractLists = e: filter (x: !(elem x e));
    zipListsWith = f: fst: snd:
      genList (n: f (elemAt fst n) (elemAt snd n)) (if length fst < length snd then length fst else length snd);
    zipLists = zipListsWith (fst: snd: { inherit fst snd; });
    naturalSort = builtins.sort builtins.lessThan;
  };

  strings = rec {
    inherit (builtins) concatStringsSep stringLength substring replaceStrings match split;
    concatStrings = concatStringsSep "";
    concatMapStrings = f: list: concatStrings (map f list);
    concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
    concatLines = list: concatMapStrings (s: s + "\n") list;
    intersperse = separator: list:
      if list == [ ] || length list == 1 then list
      else tail (lists.concatMap (x: [ separator x ]) list);
    optionalString = cond: string: if cond then string else "";
    hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
    hasSuffix = suffix: content:
      let lenContent = stringLength content; lenSuffix = stringLength suffix; in
      lenContent >= lenSuffix && substring (lenContent - lenSuffix) lenContent content == suffix;
    hasInfix = infix: content: match ".*${escapeRegex infix}.*" "${content}" != null;
    removePrefix = prefix: str:
      if hasPrefix prefix str then substring (stringLength prefix) (stringLength str - stringLength prefix) str else str;
    removeSuffix = suffix: str:
      if hasSuffix suffix str then substring 0 (stringLength str - stringLength suffix) str else str;
    stringToCharacters = s: genList (p: substring p 1 s) (stringLength s);
    escape = list: replaceStrings list (map (c: "\\${c}") list);
    escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");
    escapeShellArg = arg:
      let s = toString arg; in
      if match "[[:alnum:],._+:@%/-]+" s == null then "'${replaceStrings [ "'" ] [ "'\\''" ] s}'" else s;
    escapeShellArgs = concatMapStringsSep " " escapeShellArg;
    escapeNixString = s: escape [ "$" ] (builtins.toJSON s);
    lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
    upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    toLower = replaceStrings upperChars lowerChars;
    toUpper = replaceStrings lowerChars upperChars;
    splitString = sep: s: filter isString (split (escapeRegex (toString sep)) (toString s));
    trim = s: let m = match "[[:space:]]*(.*[^[:space:]])[[:space:]]*" s; in if m == null then "" else head m;
    fixedWidthString = width: filler: str:
      let strw = stringLength str; reqWidth = width - (stringLength filler); in
      assert strw <= width || throw "fixedWidthString: requested string length (${toString width}) must not be shorter than actual length (${toString strw})";
      if strw == width then str else filler + fixedWidthString reqWidth filler str;
    makeSearchPath = subDir: paths: concatStringsSep ":" (map (path: path + "/" + subDir) (filter (x: x != null) paths));
    makeSearchPathOutput = output: subDir: pkgs: makeSearchPath subDir (map (p: p.${output} or p) pkgs);
    makeBinPath = makeSearchPathOutput "bin" "bin";
    makeLibraryPath = makeSearchPathOutput "lib" "lib";
    getName = x: if isString x then (builtins.parseDrvName x).name else x.pname or (builtins.parseDrvName x.name).name;
    getVersion = x: if isString x then (builtins.parseDrvName x).version else x.version or (builtins.parseDrvName x.name).version;
    nameFromURL = url: sep:
      let components = splitString "/" url; filename = lists.last components; name = head (splitString sep filename); in
      assert name != filename; name;
    isStorePath = x:
      (isString x || builtins.isPath x || x ? outPath)
      && (let str = toString x; in substring 0 1 str == "/" && builtins.dirOf str == builtins.storeDir);
    toInt = str:
      let m = match "[[:space:]]*(-?[[:digit:]]+)[[:space:]]*" str; in
      if m == null then throw "Could not convert ${str} to int." else builtins.fromJSON (head m);
    versionOlder = v1: v2: builtins.compareVersions v2 v1 == 1;
    versionAtLeast = v1: v2: !versionOlder v1 v2;
  };

  versions = rec {
    splitVersion = builtins.splitVersion;
    major = v: elemAt (splitVersion v) 0;
    minor = v: elemAt (splitVersion v) 1;
    patch = v: elemAt (splitVersion v) 2;
    majorMinor = v: concatStringsSep "." (lists.take 2 (splitVersion v));
    pad = n: version:
      let numericVersion = head (split "[^.[:digit:]]" version); v = splitVersion numericVersion; in
      concatStringsSep "." (lists.take n (v ++ genList (_: "0") n));
  };

  attrsets = rec {
    inherit (builtins) attrNames attrValues mapAttrs listToAttrs hasAttr getAttr removeAttrs intersectAttrs catAttrs;
    nameValuePair = name: value: { inherit name value; };
    attrByPath = attrPath: default: set:
      if attrPath == [ ] then set
      else if set ? ${head attrPath} then attrByPath (tail attrPath) default set.${head attrPath}
      else default;
    hasAttrByPath = attrPath: e:
      attrPath == [ ] || (isAttrs e && e ? ${head attrPath} && hasAttrByPath (tail attrPath) e.${head attrPath});
    getAttrFromPath = attrPath: set:
      attrByPath attrPath (throw "cannot find attribute `${concatStringsSep "." attrPath}'") set;
    setAttrByPath = attrPath: value:
      if attrPath == [ ] then value else { ${head attrPath} = setAttrByPath (tail attrPath) value; };
    getAttrs = names: attrs: genAttrs names (name: attrs.${name});
    filterAttrs = pred: set: removeAttrs set (filter (name: !pred name set.${name}) (attrNames set));
    mapAttrs' = f: set: listToAttrs (map (attr: f attr set.${attr}) (attrNames set));
    mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
    attrsToList = mapAttrsToList nameValuePair;
    concatMapAttrs = f: v: foldl' (a: b: a // b) { } (attrValues (mapAttrs f v));
    genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
    foldlAttrs = f: init: set: foldl' (acc: name: f acc name set.${name}) init (attrNames set);
    optionalAttrs = cond: as: if cond then as else { };
    recursiveUpdateUntil = pred: lhs: rhs:
      let f = attrPath: builtins.zipAttrsWith (n: values:
        let here = attrPath ++ [ n ]; in
        if length values == 1 || pred here (elemAt values 1) (head values) then head values
        else f here values);
      in f [ ] [ rhs lhs ];
    recursiveUpdate = recursiveUpdateUntil (path: lhs: rhs: !(isAttrs lhs && isAttrs rhs));
    isDerivation = value: value.type or null == "derivation";
    zipAttrsWith = builtins.zipAttrsWith;
    zipAttrs = zipAttrsWith (name: values: values);
  };

  # lib.extendDerivation and lib.meta: what stdenv and the Python builders use.
  customisation = {
    extendDerivation = condition: passthru: drv:
      let
        outputs = drv.outputs or [ "out" ];
        commonAttrs = drv // (listToAttrs (map (n: { name = n; value = drv.${n}; }) outputs)) // { all = map (n: drv.${n}) outputs; } // passthru;
      in
      assert condition; commonAttrs;
  };

  # License records as nixpkgs spells them (lib/licenses.nix), so `meta.license = lib.licenses.mit` evaluates.
  licenses =
    let mk = spdxId: fullName: free: { inherit spdxId fullName free; shortName = spdxId; deprecated = false; redistributable = free; }; in
    {
      mit = mk "MIT" "MIT License" true;
      asl20 = mk "Apache-2.0" "Apache License 2.0" true;
      bsd2 = mk "BSD-2-Clause" "BSD 2-clause \"Simplified\" License" true;
      bsd3 = mk "BSD-3-Clause" "BSD 3-clause \"New\" or \"Revised\" License" true;
      isc = mk "ISC" "ISC License" true;
      mpl20 = mk "MPL-2.0" "Mozilla Public License 2.0" true;
      psfl = mk "Python-2.0" "Python Software Foundation License version 2" true;
      gpl2Only = mk "GPL-2.0-only" "GNU General Public License v2.0 only" true;
      gpl2Plus = mk "GPL-2.0-or-later" "GNU General Public License v2.0 or later" true;
      gpl3Only = mk "GPL-3.0-only" "GNU General Public License v3.0 only" true;
      gpl3Plus = mk "GPL-3.0-or-later" "GNU General Public License v3.0 or later" true;
      lgpl21Plus = mk "LGPL-2.1-or-later" "GNU Lesser General Public License v2.1 or later" true;
      lgpl3Plus = mk "LGPL-3.0-or-later" "GNU Lesser General Public License v3.0 or later" true;
      unlicense = mk "Unlicense" "The Unlicense" true;
      zlib = mk "Zlib" "zlib License" true;
      unfree = { shortName = "unfree"; fullName = "Unfree"; free = false; redistributable = false; deprecated = false; };
    };

  platforms = { linux = [ "x86_64-linux" "aarch64-linux" ]; unix = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ]; all = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ]; };

  # nixpkgs' lib/sources.nix: cleanSource drops VCS directories, editor backups, build results.
  sources = rec {
    cleanSourceFilter = name: type:
      let baseName = baseNameOf (toString name); in
      !((type == "directory" && (baseName == ".git" || baseName == ".svn" || baseName == "CVS" || baseName == ".hg"))
        || strings.hasSuffix "~" baseName
        || match "^\\.sw[a-z]$" baseName != null
        || match "^\\..*\\.sw[a-z]$" baseName != null
        || strings.hasSuffix ".o" baseName
        || strings.hasSuffix ".so" baseName
        || (type == "symlink" && strings.hasPrefix "result" baseName)
        || (type == "unknown"));
    cleanSourceWith = { src, filter ? _path: _type: true, name ? null }:
      let orig = src.origSrc or src; prevFilter = src.filter or (_: _: true); in
      {
        origSrc = orig;
        filter = path: type: filter path type && prevFilter path type;
        outPath = builtins.path {
          path = orig;
          name = if name != null then name else src.name or "source";
          filter = path: type: filter path type && prevFilter path type;
        };
        name = if name != null then name else src.name or "source";
      };
    cleanSource = src: cleanSourceWith { filter = cleanSourceFilter; inherit src; };
  };

  fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  fakeSha256 = "0000000000000000000000000000000000000000000000000000";
  fakeSha512 = "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";

  lib = trivial // fixedPoints // lists // strings // attrsets // customisation // sources // {
    inherit trivial fixedPoints lists strings attrsets versions licenses platforms sources customisation;
    inherit fakeHash fakeSha256 fakeSha512;
    inherit (strings) versionOlder versionAtLeast;
    inherit (builtins) toString typeOf isAttrs isBool isInt isList isPath isString baseNameOf dirOf
      readFile fromJSON toJSON pathExists match;
    # lib.attrsets.getOutput/getBin/...: the set's packages have one output, so the output is the package.
    getOutput = output: pkg: pkg.${output} or pkg;
    getBin = pkg: pkg.bin or pkg;
    getLib = pkg: pkg.lib or pkg;
    getDev = pkg: pkg.dev or pkg;
    getExe = pkg: "${pkg.bin or pkg}/bin/${pkg.meta.mainProgram or (strings.getName pkg)}";
    meta = { inherit (strings) getName getVersion; };
    types = throw "lib.types (the module system) is not provided by testing/nixpkgs";
    fileset = throw "lib.fileset is not provided by testing/nixpkgs: use lib.cleanSource or builtins.path";
  };
in
lib
