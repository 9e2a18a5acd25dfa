# pythonManylinuxPackages (nixpkgs: pkgs/development/interpreters/python/manylinux/default.nix): for each
# manylinux policy, the packages holding the libraries a wheel of that policy may link against, to put in
# a binary wheel's buildInputs next to autoPatchelfHook. nixpkgs maps each library of the PEPs' lists to a
# package; this set has the packages below, and lacks the X11, OpenGL and GLib ones and ncurses 5.
{ lib, glibc, stdenv, zlib, expat, libxcrypt }:
let
  # PEP 599 (manylinux2014), by library; nixpkgs' glibc also carries libgcc_s, Debian's does not.
  manylinux2014Libs = {
    "libc.so.6" = glibc;
    "libm.so.6" = glibc;
    "libdl.so.2" = glibc;
    "librt.so.1" = glibc;
    "libnsl.so.1" = glibc;
    "libutil.so.1" = glibc;
    "libpthread.so.0" = glibc;
    "libresolv.so.2" = glibc;
    "libgcc_s.so.1" = stdenv.cc.cc.lib;
    "libstdc++.so.6" = stdenv.cc.cc.lib;
    "libz.so.1" = zlib;
    "libexpat.so.1" = expat;
  };
  # PEP 571 (manylinux2010) allows the same libraries.
  manylinux2010Libs = manylinux2014Libs;
  # PEP 513 (manylinux1) also allows libcrypt (and ncurses 5's libpanelw/libncursesw, absent here).
  manylinux1Libs = manylinux2010Libs // { "libcrypt.so.1" = libxcrypt; };
  packages = libs: lib.unique (lib.attrValues libs);
in
{
  manylinux1 = packages manylinux1Libs;
  manylinux2010 = packages manylinux2010Libs;
  manylinux2014 = packages manylinux2014Libs;
}
