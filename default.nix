# nix-build builds gopatchelf and gopatchelfHook against <nixpkgs>, or against the package set
# you pass: nix-build --arg pkgs 'import <nixpkgs> { }'. For a package set that has them, see
# nix/packages-overlay.nix (adds them) and nix/overlay.nix (also replaces autoPatchelfHook).
{
  pkgs ? import <nixpkgs> { },
}:

let
  gopatchelf = pkgs.callPackage ./nix/package.nix { };
in
{
  inherit gopatchelf;
  gopatchelfHook = pkgs.callPackage ./nix/hook.nix { inherit gopatchelf; };
}
