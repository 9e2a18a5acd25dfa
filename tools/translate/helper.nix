  # nixpy's helpers. `pkg` looks a name up in python.pkgs and fails with a clear message when
  # nixpkgs lacks it. `check` returns drv when drv.version satisfies a PEP 440 constraint and
  # throws otherwise, naming the package, the constraint and the version nixpkgs has. A
  # constraint is a list of alternatives (Poetry's "||"), each a list of clauses that nixpy
  # wrote in normalised form (">=3.1", "==2.*", "~=1.4.5"). Versions are parsed in that
  # normalised form, [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local], which is also how nixpkgs
  # writes them; tail orders pre-, post- and dev-releases as PEP 440 does. Pre-releases are
  # not excluded: the version nixpkgs has is the only candidate, which PEP 440 then allows.
  nixpy = rec {
    noDev = 9223372036854775807;
    num = s: builtins.fromJSON (builtins.head (builtins.match "0*([0-9]+)" s));
    parse =
      v:
      let
        m = builtins.match "(([0-9]+)!)?([0-9]+(\\.[0-9]+)*)((a|b|rc)([0-9]+))?(\\.post([0-9]+))?(\\.dev([0-9]+))?(\\+([a-zA-Z0-9.]+))?" v;
        at = builtins.elemAt m;
        opt = s: d: if s == null then d else num s;
        hasPre = at 5 != null;
        hasPost = at 8 != null;
        hasDev = at 10 != null;
        preKind = if at 5 == "a" then 0 else if at 5 == "b" then 1 else 2;
      in
      if m == null then
        null
      else
        {
          raw = v;
          epoch = opt (at 1) 0;
          release = map num (builtins.filter builtins.isString (builtins.split "\\." (at 2)));
          tail = [
            (if hasPre then preKind else if !hasPost && hasDev then -1 else 3)
            (opt (at 6) 0)
            (opt (at 8) (-1))
            (opt (at 10) noDev)
          ];
          local = at 12;
          pre = hasPre || hasDev;
          post = hasPost;
        };
    cmpInt = a: b: if a < b then -1 else if a > b then 1 else 0;
    # cmpList compares lists of numbers, the shorter padded with zeros.
    cmpList =
      a: b:
      let
        la = builtins.length a;
        lb = builtins.length b;
        n = if la > lb then la else lb;
        at = l: i: if i < builtins.length l then builtins.elemAt l i else 0;
        go = i: if i >= n then 0 else let c = cmpInt (at a i) (at b i); in if c != 0 then c else go (i + 1);
      in
      go 0;
    # Local segments compare as plain strings here, which is exact for the single segments
    # nixpkgs versions carry.
    cmpLocal = a: b: if a == b then 0 else if a == null then -1 else if b == null then 1 else if a < b then -1 else 1;
    compare =
      withLocal: a: b:
      let
        c1 = cmpInt a.epoch b.epoch;
        c2 = cmpList a.release b.release;
        c3 = cmpList a.tail b.tail;
      in
      if c1 != 0 then c1
      else if c2 != 0 then c2
      else if c3 != 0 then c3
      else if withLocal then cmpLocal a.local b.local
      else 0;
    base = a: b: let c = cmpInt a.epoch b.epoch; in if c != 0 then c else cmpList a.release b.release;
    prefixMatch =
      v: c:
      v.epoch == c.epoch
      && builtins.all (i: (if i < builtins.length v.release then builtins.elemAt v.release i else 0) == builtins.elemAt c.prefix i) (
        builtins.genList (i: i) (builtins.length c.prefix)
      );
    # clause parses one normalised clause; prefix is the release a wildcard or ~= must start with.
    clause =
      s:
      let
        m = builtins.match "(===|~=|==|!=|<=|>=|<|>)(.*)" s;
        op = builtins.elemAt m 0;
        text = builtins.elemAt m 1;
        wildcard = builtins.match ".*[.][*]" text != null;
        v = parse (if wildcard then builtins.substring 0 (builtins.stringLength text - 2) text else text);
        init = l: builtins.genList (builtins.elemAt l) (builtins.length l - 1);
      in
      if m == null || (op != "===" && v == null) then
        throw ("nixpy: malformed version clause " + s)
      else if op == "===" then
        { inherit op; raw = text; }
      else
        v
        // {
          inherit op wildcard;
          prefix = if wildcard then v.release else if op == "~=" then init v.release else [ ];
        };
    equal = v: c: if c.wildcard then prefixMatch v c else compare (c.local != null) v c == 0;
    matches =
      v: c:
      if c.op == "===" then v.raw == c.raw
      else if c.op == "==" then equal v c
      else if c.op == "!=" then !(equal v c)
      else if c.op == "~=" then compare false v c >= 0 && prefixMatch v c
      else if c.op == "<=" then compare false v c <= 0
      else if c.op == ">=" then compare false v c >= 0
      else if c.op == "<" then compare false v c < 0 && (c.pre || !v.pre || base v c != 0)
      else compare true v c > 0 && (c.post || !v.post || base v c != 0) && (v.local == null || base v c != 0);
    check =
      name: alternatives: drv:
      let
        v = parse drv.version;
        constraint = builtins.concatStringsSep " || " (map (builtins.concatStringsSep ",") alternatives);
      in
      if v == null then
        throw ("nixpy: " + name + " " + constraint + " is required, but nixpkgs has version " + drv.version + ", which is not a PEP 440 version")
      else if builtins.any (builtins.all (s: matches v (clause s))) alternatives then
        drv
      else
        throw ("nixpy: " + name + " " + constraint + " is required, but nixpkgs has version " + drv.version);
    # importsFromRecord, a wheel's postInstall, sets pythonImportsCheck (which nixpkgs' import
    # check phase reads after install and fixup, so after autoPatchelfHook) to the top-level
    # modules the installed wheel's RECORD lists: packages, modules and extension modules, less
    # the test, documentation and example directories some wheels ship. The lock names
    # distributions, not modules, and the two often differ (pyyaml: yaml, pillow: PIL).
    importsFromRecord =
      "pythonImportsCheck=$(sed -nE 's#^([A-Za-z_][A-Za-z0-9_]*)(/__init__\\.py|\\.py|\\.[^/,]*\\.so),.*#\\1#p' \"$out\"/"
      + python.sitePackages
      + "/*.dist-info/RECORD | sed -E '/^(tests?|testing|docs?|examples?|benchmarks?|conftest|setup)$/d' | sort -u | tr '\\n' ' ')\n";
    # source is the project's directory as a store path named "source" whatever the directory's
    # own name, so the app is the same derivation in every checkout and workspace layout.
    source = dir: builtins.path { path = dir; name = "source"; };
    # subtree is the directory rel under dir (a path) as a store path of its own, so that
    # a derivation built from it changes only when its files do.
    subtree = dir: rel: name: builtins.path { path = dir + ("/" + rel); name = name + "-source"; };
    # without is dir without the subdirectories rels (the local packages built on their own).
    without =
      dir: rels:
      let
        excluded = map (rel: toString (dir + ("/" + rel))) rels;
      in
      builtins.path {
        path = dir;
        name = "source";
        filter = p: _: !(builtins.elem p excluded);
      };
    # versionIn reads a dynamic version where the build backend will, from the first of files
    # (relative to dir) that exists: a `variable = "1.2"` assignment (variable: alternatives
    # joined by "|"), a file holding only the version, or Cargo.toml's [package] version. where
    # names the pyproject.toml key in errors.
    versionIn =
      dir: where: kind: variable: files:
      let
        existing = builtins.filter (f: builtins.pathExists (dir + ("/" + f))) files;
        file = builtins.head existing;
        lines = builtins.filter builtins.isString (builtins.split "\r?\n" (builtins.readFile (dir + ("/" + file))));
        quoted = "[\"']v?([^\"']+)[\"']";
        matching = re: builtins.filter (m: m != null) (map (builtins.match re) lines);
        assigned = matching ("[[:space:]]*(" + variable + ")[[:space:]]*(:[^=]*)?=[[:space:]]*" + quoted + ".*");
        text = matching "[[:space:]]*([^[:space:]]+)[[:space:]]*";
        # Lines of Cargo.toml's [package] table, up to the next table.
        package =
          (builtins.foldl' (
            s: l:
            if builtins.match "[[:space:]]*\\[.*" l != null then
              s // { inside = builtins.match "[[:space:]]*\\[package\\][[:space:]]*(#.*)?" l != null; }
            else if s.inside then
              s // { lines = s.lines ++ [ l ]; }
            else
              s
          ) { inside = false; lines = [ ]; } lines).lines;
        cargo = builtins.filter (m: m != null) (map (builtins.match "[[:space:]]*version[[:space:]]*=[[:space:]]*\"([^\"]+)\".*") package);
        found =
          if kind == "assignment" then map (m: builtins.elemAt m 2) assigned
          else if kind == "text" then map builtins.head text
          else map builtins.head cargo;
      in
      if existing == [ ] then
        throw ("nixpy: " + where + ": the version is read from " + builtins.concatStringsSep " or " files + ", which the source does not hold (add it to srcs)")
      else if found == [ ] then
        throw ("nixpy: " + where + ": " + file + " holds no version nixpy can read without running it: give the version with py_nix_image's version attribute (nixpy translate --project-version)")
      else
        builtins.head found;
    # has tells whether python.pkgs has a usable attribute a: an alias nixpkgs retired throws.
    has = a: builtins.hasAttr a python.pkgs && (builtins.tryEval (builtins.getAttr a python.pkgs)).success;
    # pkg looks a distribution up by its PEP 503 name first (nixpkgs names packages so, and
    # ships meta-packages such as psycopg2-binary), then by the attribute of a known rename.
    pkg =
      name: attr:
      if has name then
        builtins.getAttr name python.pkgs
      else if attr != name && has attr then
        builtins.getAttr attr python.pkgs
      else
        throw ("nixpy: " + name + " is required, but nixpkgs' python package set has no attribute " + attr);
    # substituted are the names among names that pkg found only under their rename: another
    # distribution, which the runtime dependency check must not look for by the required name.
    substituted = builtins.filter (name: !(has name));
  };
