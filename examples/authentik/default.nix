# The authentik Python backend from the build plan, linked by gopatchelfHook:
#   nix-build examples/authentik -A python-deps
#   nix-build examples/authentik -A authentik-django --arg webui /nix/store/…-authentik-webui
# Hashes are lib.fakeHash placeholders: the first build of each fixed-output derivation fails
# and reports the real hash to put in its place.
{
  pkgs ? import <nixpkgs> { overlays = [ (import ../../nix/packages-overlay.nix) ]; },
  webui ? throw "examples/authentik: pass --arg webui <authentik's built web UI, holding dist/ and authentik/>",
}:

let
  version = "2026.2.0";
  src = pkgs.fetchFromGitHub {
    owner = "goauthentik";
    repo = "authentik";
    tag = "version/${version}";
    hash = pkgs.lib.fakeHash;
  };
in
rec {
  python-deps = pkgs.callPackage ./python-deps.nix { inherit src version; };
  authentik-django = pkgs.callPackage ./authentik-django.nix {
    inherit
      src
      version
      python-deps
      webui
      ;
  };
}
