# autoPatchelfHook (nixpkgs: pkgs/build-support/setup-hooks/auto-patchelf.sh with
# pkgs/by-name/au/auto-patchelf): a setup hook that patches the ELF files of a derivation's outputs after
# postFixup, and fails on a library it cannot find.
{ stdenv, patchelf, glibc, python3 }:
stdenv.mkDerivation {
  name = "auto-patchelf-hook";
  buildCommand = ''
    mkdir -p $out/nix-support $out/libexec
    cp ${./auto-patchelf.py} $out/libexec/auto-patchelf.py
    sed -e "s|@python@|${python3.interpreter}|g" -e "s|@script@|$out/libexec/auto-patchelf.py|g" \
      -e "s|@interpreter@|${glibc}/lib/ld-linux-x86-64.so.2|g" -e "s|@libcLib@|${glibc}/lib|g" -e "s|@patchelf@|${patchelf}|g" \
      ${./setup-hook.sh} >$out/nix-support/setup-hook
  '';
}
