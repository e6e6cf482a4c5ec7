{
  description = "gopatchelf: a pure-Go ELF patcher and drop-in replacement for autoPatchelfHook";

  # No flake.lock is committed yet: the first `nix build` writes one for the nixpkgs it fetches.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      # autoPatchelf is about ELF: Linux systems only.
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "i686-linux"
        "armv7l-linux"
        "riscv64-linux"
        "powerpc64le-linux"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      # Adds gopatchelf and gopatchelfHook.
      overlays.default = import ./nix/packages-overlay.nix;
      # Also makes autoPatchelfHook an alias of gopatchelfHook, for every package of the set.
      overlays.replaceAutoPatchelfHook = import ./nix/overlay.nix;

      packages = forAllSystems (
        pkgs:
        let
          built = import ./default.nix { inherit pkgs; };
        in
        {
          inherit (built) gopatchelf gopatchelfHook;
          default = built.gopatchelf;
        }
      );

      # The hook inside the real stdenv: a prebuilt program that runs only once patched.
      checks = forAllSystems (
        pkgs:
        let
          built = self.packages.${pkgs.stdenv.hostPlatform.system};
          test = structuredAttrs: pkgs.callPackage ./nix/tests/hook.nix {
            inherit (built) gopatchelfHook;
            inherit structuredAttrs;
          };
        in
        {
          hook = test false;
          hook-structured-attrs = test true;
        }
      );
    };
}
