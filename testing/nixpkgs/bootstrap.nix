# The bottom of the set, built from Debian .debs without any stdenv: busybox, glibc, patchelf, the shared
# libraries python needs, bash and coreutils. Every ELF file gets a store interpreter and a store RPATH, so a
# closure runs in an empty root. Builders are plain `derivation`s run by busybox.
#
# Everything comes from bookworm's .debs, except `trixie`: a second glibc (2.41) and the libraries of
# trixie's CPython 3.13 linked against it, because trixie's binaries need a newer glibc than bookworm's 2.36.
# The tools (busybox, patchelf, bash, coreutils) stay bookworm's; they only run at build time.
{ lib, system, suites }:
let
  inherit (suites.bookworm) debs debVersions;
  inherit (lib) concatMapStrings concatStrings concatStringsSep makeBinPath;

  # The first builder is the sandbox's /bin/sh, a static busybox (dev/setup's sandbox-paths; a standalone
  # shell that runs its applets without a PATH). Everything after runs on store paths only.
  busybox = derivation {
    name = "busybox-${debVersions.busybox-static}";
    inherit system;
    builder = "/bin/sh";
    args = [ "-e" "-c" ''
      dpkg-deb -x ${debs.busybox-static} x
      mkdir -p $out/bin
      cp x/bin/busybox $out/bin/busybox
      for a in $($out/bin/busybox --list); do [ $a = busybox ] || ln -s busybox $out/bin/$a; done
    '' ];
  };

  # A derivation whose build is a busybox shell script.
  run = { name, script, path ? [ ], ... }@args:
    derivation (removeAttrs args [ "script" "path" ] // {
      inherit system;
      builder = "${busybox}/bin/sh";
      args = [ "-e" "-c" script ];
      PATH = makeBinPath (path ++ [ busybox ]);
    });

  # Each .deb of a suite into its own x/<name> (busybox dpkg-deb refuses to overwrite files).
  unpackFrom = debs: names: concatMapStrings (n: "mkdir -p x/${n}; dpkg-deb -x ${debs.${n}} x/${n}\n") names;
  unpack = unpackFrom debs;

  # A suite's libc6 (trixie's libraries live under usr/lib, bookworm's under lib).
  mkGlibc = suite: run {
    name = "glibc-${suite.debVersions.libc6}";
    script = ''
      ${unpackFrom suite.debs [ "libc6" ]}
      mkdir -p $out/lib
      for d in x/libc6/lib/x86_64-linux-gnu x/libc6/usr/lib/x86_64-linux-gnu; do
        if [ -e $d/libc.so.6 ]; then libc=$d; fi
      done
      cp -a $libc/. $out/lib/
      # gconv modules (iconv charsets) are 8 MB that python does not use.
      rm -rf $out/lib/gconv
      # libc.so.6 is also a program: its interpreter must be the store ld.so, not /lib64's. Debian's
      # patchelf runs through the unpacked copy of this ld.so to set it.
      ${unpack [ "patchelf" "libstdc++6" "libgcc-s1" ]}
      mkdir tmp; cp x/patchelf/usr/bin/patchelf x/libstdc++6/usr/lib/x86_64-linux-gnu/libstdc++.so.6* x/libgcc-s1/lib/x86_64-linux-gnu/libgcc_s.so.1 tmp/
      chmod u+w $out/lib/libc.so.6
      $libc/ld-linux-x86-64.so.2 --library-path $libc:tmp tmp/patchelf \
        --set-interpreter $out/lib/ld-linux-x86-64.so.2 $out/lib/libc.so.6
    '';
  };
  glibc = mkGlibc suites.bookworm;
  ldso = "${glibc}/lib/ld-linux-x86-64.so.2";

  # Debian's patchelf, run through the store ld.so until it has patched itself.
  patchelf = run {
    name = "patchelf-${debVersions.patchelf}";
    script = ''
      ${unpack [ "patchelf" "libstdc++6" "libgcc-s1" ]}
      mkdir -p $out/bin $out/lib
      cp x/patchelf/usr/bin/patchelf $out/bin/
      cp -a x/libstdc++6/usr/lib/x86_64-linux-gnu/libstdc++.so.6* x/libgcc-s1/lib/x86_64-linux-gnu/libgcc_s.so.1 $out/lib/
      chmod -R u+w $out
      # Patch from a private copy: patching a library the running patchelf has mapped crashes it.
      mkdir tmp; cp $out/bin/patchelf tmp/pe; cp -a $out/lib/. tmp/
      pe="${ldso} --library-path ${glibc}/lib:$PWD/tmp tmp/pe"
      $pe --set-interpreter ${ldso} --set-rpath ${glibc}/lib:$out/lib $out/bin/patchelf
      for f in $out/lib/libstdc++.so.6.*[0-9] $out/lib/libgcc_s.so.1; do $pe --set-rpath ${glibc}/lib:$out/lib $f; done
      $out/bin/patchelf --version
    '';
  };

  # fixElf and mkLib for the .debs of a suite (its debs and debVersions), against that suite's glibc.
  libTools = suite: glibc: rec {
    ldso = "${glibc}/lib/ld-linux-x86-64.so.2";

    # Shell snippet: give every ELF file under $out the store interpreter (executables) and RPATH. Only
    # shared objects and executables are candidates: python's thousands of modules are not read.
    fixElf = rpath: ''
      chmod -R u+w $out
      find $out -type f \( -name '*.so*' -o -perm -0100 \) | while read -r f; do
        [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
        if patchelf --print-interpreter "$f" >/dev/null 2>&1; then patchelf --set-interpreter ${ldso} "$f"; fi
        patchelf --set-rpath "${rpath}" "$f"
      done
    '';

    # A Debian shared-library package (several .debs for one upstream) -> $out/lib.
    mkLib = { pname, debs, deps ? [ ] }: run {
      name = "${pname}-${suite.debVersions.${builtins.head debs}}";
      path = [ patchelf ];
      script = ''
        ${unpackFrom suite.debs debs}
        mkdir -p $out/lib
        for d in x/*; do for l in $d/lib/x86_64-linux-gnu $d/usr/lib/x86_64-linux-gnu; do
          if [ -d $l ]; then find $l -maxdepth 1 -name '*.so*' -exec cp -a {} $out/lib/ \; ; fi
        done; done
        ${fixElf (concatStringsSep ":" ([ "$out/lib" "${glibc}/lib" ] ++ map (d: "${d}/lib") deps))}
      '';
    };
  };
  inherit (libTools suites.bookworm glibc) fixElf mkLib;

  libs = rec {
    zlib = mkLib { pname = "zlib"; debs = [ "zlib1g" ]; };
    expat = mkLib { pname = "expat"; debs = [ "libexpat1" ]; };
    libffi = mkLib { pname = "libffi"; debs = [ "libffi8" ]; };
    openssl = mkLib { pname = "openssl"; debs = [ "libssl3" ]; };
    bzip2 = mkLib { pname = "bzip2"; debs = [ "libbz2-1.0" ]; };
    xz = mkLib { pname = "xz"; debs = [ "liblzma5" ]; };
    sqlite = mkLib { pname = "sqlite"; debs = [ "libsqlite3-0" ]; };
    ncurses = mkLib { pname = "ncurses"; debs = [ "libncursesw6" "libtinfo6" ]; };
    readline = mkLib { pname = "readline"; debs = [ "libreadline8" ]; deps = [ ncurses ]; };
    libuuid = mkLib { pname = "libuuid"; debs = [ "libuuid1" ]; };
    libxcrypt = mkLib { pname = "libxcrypt"; debs = [ "libcrypt1" ]; };
    db = mkLib { pname = "db"; debs = [ "libdb5.3" ]; };
    krb5 = mkLib {
      pname = "krb5";
      debs = [ "libgssapi-krb5-2" "libkrb5-3" "libk5crypto3" "libkrb5support0" "libcom-err2" "libkeyutils1" ];
      deps = [ openssl ];
    };
    libtirpc = mkLib { pname = "libtirpc"; debs = [ "libtirpc3" "libnsl2" ]; deps = [ krb5 ]; };
    acl = mkLib { pname = "acl"; debs = [ "libacl1" ]; };
    attr = mkLib { pname = "attr"; debs = [ "libattr1" ]; };
    gmp = mkLib { pname = "gmp"; debs = [ "libgmp10" ]; };
    pcre2 = mkLib { pname = "pcre2"; debs = [ "libpcre2-8-0" ]; };
    libselinux = mkLib { pname = "libselinux"; debs = [ "libselinux1" ]; deps = [ pcre2 ]; };
  };

  # GCC's runtime libraries (libstdc++.so.6, libgcc_s.so.1): nixpkgs' stdenv.cc.cc.lib. Not among `libs`,
  # which python links against: only binary wheels that need them reference them.
  gccLib = mkLib { pname = "gcc-lib"; debs = [ "libstdc++6" "libgcc-s1" ]; };

  # A Debian program package: its bin and sbin (usr/ and /) into $out/bin, ELF files patched; `drop` lists
  # programs left out (scripts with host shebangs).
  mkProgram = { pname, deb, deps, drop ? [ ], links ? { } }: run {
    name = "${pname}-${debVersions.${deb}}";
    path = [ patchelf ];
    script = ''
      ${unpack [ deb ]}
      mkdir -p $out/bin
      for d in bin sbin usr/bin usr/sbin; do
        if [ -d x/${deb}/$d ]; then cp -a x/${deb}/$d/. $out/bin/; fi
      done
      ${concatMapStrings (p: "rm $out/bin/${p}\n") drop}
      ${concatStrings (lib.mapAttrsToList (l: target: "ln -s ${target} $out/bin/${l}\n      ") links)}${fixElf (concatStringsSep ":" ([ "${glibc}/lib" ] ++ map (d: "${d}/lib") deps))}
    '';
  };

  # nixpkgs' bash and bashInteractive both link bin/sh to bash (their postInstall).
  bash = mkProgram { pname = "bash"; deb = "bash"; deps = [ libs.ncurses ]; drop = [ "bashbug" "clear_console" ]; links = { sh = "bash"; }; }
    // { shellPath = "/bin/bash"; };
  coreutils = mkProgram { pname = "coreutils"; deb = "coreutils"; deps = with libs; [ acl attr gmp libselinux ]; };
  # nixpkgs' bashInteractive: bash built with readline, pname bash-interactive; the shell an image gets as
  # /bin/sh. Debian's bash has its readline built in.
  bashInteractive = mkProgram {
    pname = "bash-interactive";
    deb = "bash";
    deps = [ libs.ncurses ];
    drop = [ "bashbug" "clear_console" ];
    links = { sh = "bash"; };
  } // { shellPath = "/bin/bash"; };
  # nixpkgs' findutils: find and xargs in bin/ (Debian moved locate to a package of its own).
  findutils = mkProgram { pname = "findutils"; deb = "findutils"; deps = with libs; [ libselinux pcre2 ]; };

  # trixie's glibc and the libraries its CPython 3.13 links: the same recipes against the second glibc.
  trixie =
    let
      glibc = mkGlibc suites.trixie;
      inherit (libTools suites.trixie glibc) fixElf mkLib;
    in
    {
      inherit glibc fixElf;
      unpack = unpackFrom suites.trixie.debs;
      libs = rec {
        zlib = mkLib { pname = "zlib"; debs = [ "zlib1g" ]; };
        expat = mkLib { pname = "expat"; debs = [ "libexpat1" ]; };
        libffi = mkLib { pname = "libffi"; debs = [ "libffi8" ]; };
        zstd = mkLib { pname = "zstd"; debs = [ "libzstd1" ]; };
        # trixie's libcrypto also compresses certificates (zlib, zstd).
        openssl = mkLib { pname = "openssl"; debs = [ "libssl3t64" ]; deps = [ zlib zstd ]; };
        bzip2 = mkLib { pname = "bzip2"; debs = [ "libbz2-1.0" ]; };
        xz = mkLib { pname = "xz"; debs = [ "liblzma5" ]; };
        sqlite = mkLib { pname = "sqlite"; debs = [ "libsqlite3-0" ]; };
        ncurses = mkLib { pname = "ncurses"; debs = [ "libncursesw6" "libtinfo6" ]; };
        readline = mkLib { pname = "readline"; debs = [ "libreadline8t64" ]; deps = [ ncurses ]; };
        libuuid = mkLib { pname = "libuuid"; debs = [ "libuuid1" ]; };
        db = mkLib { pname = "db"; debs = [ "libdb5.3t64" ]; };
      };
    };
in
{
  inherit busybox run unpack glibc patchelf fixElf libs gccLib bash bashInteractive coreutils findutils trixie;
}
