# gopatchelfHook: the setup hook that replaces autoPatchelfHook. Put it in nativeBuildInputs.
#
# Like autoPatchelfHook it propagates bintools, whose setup hook sets NIX_BINTOOLS: gopatchelf
# reads the interpreter from $NIX_BINTOOLS/nix-support/dynamic-linker and the libc directory from
# $NIX_BINTOOLS/nix-support/orig-libc, exactly as the original script does.
{
  lib,
  makeSetupHook,
  gopatchelf,
  bintools,
}:

makeSetupHook {
  name = "gopatchelf-hook";
  propagatedBuildInputs = [
    gopatchelf
    bintools
  ];
  substitutions = {
    # Fills @gopatchelf@ in the hook with the absolute path of the binary.
    gopatchelf = lib.getExe gopatchelf;
  };
  passthru = {
    inherit gopatchelf;
  };
  meta = {
    description = "Setup hook that patches ELF files with gopatchelf, a drop-in for autoPatchelfHook";
    platforms = lib.platforms.linux;
  };
} ../nixhook/setup-hook.sh
