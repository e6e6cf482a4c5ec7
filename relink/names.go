package relink

import (
	stdelf "debug/elf"
	"strconv"

	"github.com/gopatchelf/gopatchelf/internal/arch"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// ArchName is the name auto-patchelf prints for a machine (pyelftools'
// get_machine_arch, from internal/arch's table): "x64", "AArch64",
// "64-bit PowerPC", or "<unknown>" as there for a machine it does not name.
func ArchName(m stdelf.Machine) string {
	if n, ok := arch.MachineName(m); ok {
		return n
	}
	return "<unknown>"
}

// archNames2 names a and b for "differs from target" so that the two names
// differ whenever the platforms do: pyelftools gives ppc64 and ppc64le, or
// x86-64 and x32, the same name, so the class and byte order are added
// when the machine names alone would read the same.
func archNames2(file, target resolver.Platform) (string, string) {
	a, b := ArchName(file.Machine), ArchName(target.Machine)
	if file.Machine != target.Machine {
		if a == b { // both "<unknown>"
			a += " " + strconv.Itoa(int(file.Machine))
			b += " " + strconv.Itoa(int(target.Machine))
		}
		return a, b
	}
	return a + platformDetail(file), b + platformDetail(target)
}

func platformDetail(p resolver.Platform) string {
	s := ""
	switch p.Class {
	case stdelf.ELFCLASS32:
		s = "32-bit"
	case stdelf.ELFCLASS64:
		s = "64-bit"
	}
	switch p.Data {
	case stdelf.ELFDATA2LSB:
		s += " little-endian"
	case stdelf.ELFDATA2MSB:
		s += " big-endian"
	}
	if s == "" {
		return ""
	}
	return ", " + s
}

// osabiNames are pyelftools' ENUM_EI_OSABI names, which auto-patchelf
// prints; a value missing here prints as its number, as there.
var osabiNames = map[stdelf.OSABI]string{
	0: "ELFOSABI_SYSV", 1: "ELFOSABI_HPUX", 2: "ELFOSABI_NETBSD", 3: "ELFOSABI_LINUX",
	4: "ELFOSABI_HURD", 6: "ELFOSABI_SOLARIS", 7: "ELFOSABI_AIX", 8: "ELFOSABI_IRIX",
	9: "ELFOSABI_FREEBSD", 10: "ELFOSABI_TRU64", 11: "ELFOSABI_MODESTO", 12: "ELFOSABI_OPENBSD",
	13: "ELFOSABI_OPENVMS", 14: "ELFOSABI_NSK", 15: "ELFOSABI_AROS", 16: "ELFOSABI_FENIXOS",
	17: "ELFOSABI_CLOUD", 53: "ELFOSABI_SORTIX", 64: "ELFOSABI_ARM_AEABI", 97: "ELFOSABI_ARM",
	102: "ELFOSABI_CELL_LV2", 255: "ELFOSABI_STANDALONE",
}

// OSABIName is the name auto-patchelf prints for an OS ABI (pyelftools'
// enum): "ELFOSABI_SYSV", "ELFOSABI_LINUX", …, or the number.
func OSABIName(o stdelf.OSABI) string {
	if n, ok := osabiNames[o]; ok {
		return n
	}
	return strconv.Itoa(int(o))
}
