package relink

import (
	stdelf "debug/elf"
	"strconv"

	"github.com/gopatchelf/gopatchelf/resolver"
)

// archNames are the architecture names auto-patchelf prints: pyelftools'
// ELFFile.get_machine_arch(), for the machines anyone runs Nix on or might
// find in a wheel. Others print as "<unknown>", as there.
var archNames = map[stdelf.Machine]string{
	stdelf.EM_386:         "x86",
	stdelf.EM_X86_64:      "x64",
	stdelf.EM_ARM:         "ARM",
	stdelf.EM_AARCH64:     "AArch64",
	stdelf.EM_MIPS:        "MIPS",
	stdelf.EM_MIPS_RS3_LE: "MIPS RS3000 Little-endian",
	stdelf.EM_PPC:         "PowerPC",
	stdelf.EM_PPC64:       "64-bit PowerPC",
	stdelf.EM_S390:        "IBM S/390",
	stdelf.EM_RISCV:       "RISC-V",
	stdelf.EM_LOONGARCH:   "LoongArch",
	stdelf.EM_SPARC:       "SPARC",
	stdelf.EM_SPARC32PLUS: "Enhanced SPARC",
	stdelf.EM_SPARCV9:     "SPARC Version 9",
	stdelf.EM_IA_64:       "Intel IA-64",
	stdelf.EM_ALPHA:       "Digital Alpha",
	stdelf.EM_SH:          "Hitachi SH",
	stdelf.EM_68K:         "Motorola 68000",
	stdelf.EM_PARISC:      "Hewlett-Packard PA-RISC",
	stdelf.EM_MICROBLAZE:  "Xilinx MicroBlaze 32-bit RISC",
	stdelf.EM_BPF:         "Linux BPF - in-kernel virtual machine",
	stdelf.EM_AMDGPU:      "AMD GPU",
	stdelf.EM_CUDA:        "NVIDIA CUDA",
	stdelf.EM_XTENSA:      "Tensilica Xtensa",
	stdelf.EM_ARC_COMPACT: "ARC International ARCompact",
	stdelf.EM_AVR:         "Atmel AVR 8-bit",
	stdelf.EM_MSP430:      "Texas Instruments msp430",
}

// ArchName is the name auto-patchelf prints for a machine (pyelftools'
// get_machine_arch): "x64", "AArch64", "64-bit PowerPC", "<unknown>", ….
func ArchName(m stdelf.Machine) string {
	if n, ok := archNames[m]; ok {
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
