# Overlay that adds gopatchelf and gopatchelfHook and makes autoPatchelfHook itself an alias of
# gopatchelfHook: every package of the set that uses autoPatchelfHook is then patched by gopatchelf
# (and so rebuilt). Neither gopatchelf nor the hook depends on autoPatchelfHook, so this creates
# no cycle. To add the packages without replacing anything, use ./packages-overlay.nix.
final: prev:
(import ./packages-overlay.nix final prev)
// {
  autoPatchelfHook = final.gopatchelfHook;
}
