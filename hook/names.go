package hook

import (
	stdelf "debug/elf"

	"github.com/gopatchelf/gopatchelf/relink"
)

// ArchName is the name auto-patchelf prints for a machine (see
// [relink.ArchName]).
func ArchName(m stdelf.Machine) string { return relink.ArchName(m) }

// OSABIName is the name auto-patchelf prints for an OS ABI (see
// [relink.OSABIName]).
func OSABIName(o stdelf.OSABI) string { return relink.OSABIName(o) }
