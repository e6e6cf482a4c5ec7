# Overlay that adds gopatchelf and gopatchelfHook and changes nothing else.
# Use gopatchelfHook in place of autoPatchelfHook in the derivations you choose.
final: prev: {
  gopatchelf = final.callPackage ./package.nix { };
  gopatchelfHook = final.callPackage ./hook.nix { };
}
