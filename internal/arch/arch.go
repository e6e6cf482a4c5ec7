package arch

import (
	stdelf "debug/elf"
	"path"
	"runtime"
	"strings"
)

// Arch is one architecture variant: the ELF header fields that pick it and
// the facts about it. An empty field is a fact this table does not know.
type Arch struct {
	// Name identifies the row: a short CPU name as the fixtures and wheel
	// tags spell it ("x86_64", "i686", "ppc64le"), with the ABI where one
	// CPU has several rows ("armhf", "armel", "riscv64-lp64").
	Name    string
	Machine stdelf.Machine
	Class   stdelf.Class
	Data    stdelf.Data
	// FlagsMask and Flags pick the variant by e_flags: a header matches
	// when flags&FlagsMask == Flags. A zero mask matches every e_flags.
	FlagsMask, Flags uint32
	// GOARCH is Go's name for it, for the machine gopatchelf runs on.
	GOARCH string
	// PageSize is the largest page size Linux uses on the machine: a new
	// segment aligned to it maps on every kernel configuration. It is the
	// same in every row of one machine.
	PageSize uint64
	// Multiarch is Debian's multiarch triplet, the directory name under
	// /lib and /usr/lib ("x86_64-linux-gnu").
	Multiarch string
	// Loader is glibc's dynamic loader as PT_INTERP names it on every
	// distribution (the psABI's path); MuslLoader is musl's.
	Loader, MuslLoader string
	// WheelArchs are the architecture parts of Linux wheel platform tags
	// (PEP 600's manylinux_2_17_x86_64, musllinux_1_2_aarch64,
	// linux_armv7l) that name this variant.
	WheelArchs []string
	// ElfName is pyelftools' ELFFile.get_machine_arch(), which
	// auto-patchelf prints. It is the same in every row of one machine.
	ElfName string
	// HashWord8 says DT_HASH's buckets and chains are 8-byte words, not
	// the gABI's 4 (glibc's and binutils' choice on s390x and Alpha).
	HashWord8 bool
}

// Constants of e_flags this table tells variants apart by.
const (
	// efARMABIFloatHard is EF_ARM_ABI_FLOAT_HARD: armhf rather than armel.
	efARMABIFloatHard = 0x400
	// efRISCVFloatABI is EF_RISCV_FLOAT_ABI's mask: soft float (lp64) is
	// 0, double (lp64d, what distributions build) efRISCVFloatDouble.
	efRISCVFloatABI    = 0x6
	efRISCVFloatDouble = 0x4
)

const (
	c32, c64 = stdelf.ELFCLASS32, stdelf.ELFCLASS64
	le, be   = stdelf.ELFDATA2LSB, stdelf.ELFDATA2MSB
	page4k   = 0x1000
	page8k   = 0x2000
	page64k  = 0x10000
)

// rows is the table. Rows of one machine, class and byte order that
// differ by e_flags have disjoint masked values, so a header matches one
// row at most.
var rows = []Arch{
	{Name: "x86_64", Machine: stdelf.EM_X86_64, Class: c64, Data: le, GOARCH: "amd64", PageSize: page4k,
		Multiarch: "x86_64-linux-gnu", Loader: "/lib64/ld-linux-x86-64.so.2", MuslLoader: "/lib/ld-musl-x86_64.so.1",
		WheelArchs: []string{"x86_64"}, ElfName: "x64"},
	{Name: "x32", Machine: stdelf.EM_X86_64, Class: c32, Data: le, PageSize: page4k,
		Multiarch: "x86_64-linux-gnux32", Loader: "/libx32/ld-linux-x32.so.2", MuslLoader: "/lib/ld-musl-x32.so.1",
		ElfName: "x64"},
	{Name: "i686", Machine: stdelf.EM_386, Class: c32, Data: le, GOARCH: "386", PageSize: page4k,
		Multiarch: "i386-linux-gnu", Loader: "/lib/ld-linux.so.2", MuslLoader: "/lib/ld-musl-i386.so.1",
		WheelArchs: []string{"i686"}, ElfName: "x86"},
	{Name: "aarch64", Machine: stdelf.EM_AARCH64, Class: c64, Data: le, GOARCH: "arm64", PageSize: page64k,
		Multiarch: "aarch64-linux-gnu", Loader: "/lib/ld-linux-aarch64.so.1", MuslLoader: "/lib/ld-musl-aarch64.so.1",
		WheelArchs: []string{"aarch64"}, ElfName: "AArch64"},
	{Name: "aarch64_be", Machine: stdelf.EM_AARCH64, Class: c64, Data: be, PageSize: page64k,
		Multiarch: "aarch64_be-linux-gnu", Loader: "/lib/ld-linux-aarch64_be.so.1", MuslLoader: "/lib/ld-musl-aarch64_be.so.1", ElfName: "AArch64"},
	// Go's linux/arm runs on either; Debian's and the wheels' 32-bit ARM
	// with a glibc is the hard-float one.
	{Name: "armhf", Machine: stdelf.EM_ARM, Class: c32, Data: le, FlagsMask: efARMABIFloatHard, Flags: efARMABIFloatHard,
		GOARCH: "arm", PageSize: page64k,
		Multiarch: "arm-linux-gnueabihf", Loader: "/lib/ld-linux-armhf.so.3", MuslLoader: "/lib/ld-musl-armhf.so.1",
		WheelArchs: []string{"armv7l"}, ElfName: "ARM"},
	{Name: "armel", Machine: stdelf.EM_ARM, Class: c32, Data: le, FlagsMask: efARMABIFloatHard, PageSize: page64k,
		Multiarch: "arm-linux-gnueabi", Loader: "/lib/ld-linux.so.3", MuslLoader: "/lib/ld-musl-arm.so.1",
		ElfName: "ARM"},
	{Name: "ppc64", Machine: stdelf.EM_PPC64, Class: c64, Data: be, GOARCH: "ppc64", PageSize: page64k,
		Multiarch: "powerpc64-linux-gnu", Loader: "/lib64/ld64.so.1", MuslLoader: "/lib/ld-musl-powerpc64.so.1",
		WheelArchs: []string{"ppc64"}, ElfName: "64-bit PowerPC"},
	{Name: "ppc64le", Machine: stdelf.EM_PPC64, Class: c64, Data: le, GOARCH: "ppc64le", PageSize: page64k,
		Multiarch: "powerpc64le-linux-gnu", Loader: "/lib64/ld64.so.2", MuslLoader: "/lib/ld-musl-powerpc64le.so.1",
		WheelArchs: []string{"ppc64le"}, ElfName: "64-bit PowerPC"},
	{Name: "ppc", Machine: stdelf.EM_PPC, Class: c32, Data: be, PageSize: page64k,
		Multiarch: "powerpc-linux-gnu", Loader: "/lib/ld.so.1", MuslLoader: "/lib/ld-musl-powerpc.so.1",
		ElfName: "PowerPC"},
	// s390x keeps ld64.so.1 in /lib, unlike ppc64.
	{Name: "s390x", Machine: stdelf.EM_S390, Class: c64, Data: be, GOARCH: "s390x", PageSize: page4k,
		Multiarch: "s390x-linux-gnu", Loader: "/lib/ld64.so.1", MuslLoader: "/lib/ld-musl-s390x.so.1",
		WheelArchs: []string{"s390x"}, ElfName: "IBM S/390", HashWord8: true},
	{Name: "riscv64-lp64", Machine: stdelf.EM_RISCV, Class: c64, Data: le, FlagsMask: efRISCVFloatABI, PageSize: page4k,
		Multiarch: "riscv64-linux-gnu", Loader: "/lib/ld-linux-riscv64-lp64.so.1", ElfName: "RISC-V"},
	{Name: "riscv64", Machine: stdelf.EM_RISCV, Class: c64, Data: le, FlagsMask: efRISCVFloatABI, Flags: efRISCVFloatDouble,
		GOARCH: "riscv64", PageSize: page4k,
		Multiarch: "riscv64-linux-gnu", Loader: "/lib/ld-linux-riscv64-lp64d.so.1", MuslLoader: "/lib/ld-musl-riscv64.so.1",
		WheelArchs: []string{"riscv64"}, ElfName: "RISC-V"},
	{Name: "loongarch64", Machine: stdelf.EM_LOONGARCH, Class: c64, Data: le, GOARCH: "loong64", PageSize: page64k,
		Multiarch: "loongarch64-linux-gnu", Loader: "/lib64/ld-linux-loongarch-lp64d.so.1",
		MuslLoader: "/lib/ld-musl-loongarch64.so.1", ElfName: "LoongArch"},
	{Name: "mips64el", Machine: stdelf.EM_MIPS, Class: c64, Data: le, GOARCH: "mips64le", PageSize: page64k,
		Multiarch: "mips64el-linux-gnuabi64", Loader: "/lib64/ld.so.1", MuslLoader: "/lib/ld-musl-mips64el.so.1",
		ElfName: "MIPS"},
	{Name: "mips64", Machine: stdelf.EM_MIPS, Class: c64, Data: be, GOARCH: "mips64", PageSize: page64k,
		Multiarch: "mips64-linux-gnuabi64", Loader: "/lib64/ld.so.1", MuslLoader: "/lib/ld-musl-mips64.so.1",
		ElfName: "MIPS"},
	{Name: "mipsel", Machine: stdelf.EM_MIPS, Class: c32, Data: le, GOARCH: "mipsle", PageSize: page64k,
		Multiarch: "mipsel-linux-gnu", Loader: "/lib/ld.so.1", MuslLoader: "/lib/ld-musl-mipsel.so.1",
		ElfName: "MIPS"},
	{Name: "mips", Machine: stdelf.EM_MIPS, Class: c32, Data: be, GOARCH: "mips", PageSize: page64k,
		Multiarch: "mips-linux-gnu", Loader: "/lib/ld.so.1", MuslLoader: "/lib/ld-musl-mips.so.1",
		ElfName: "MIPS"},
	{Name: "sparc64", Machine: stdelf.EM_SPARCV9, Class: c64, Data: be, PageSize: page8k,
		Multiarch: "sparc64-linux-gnu", ElfName: "SPARC Version 9"},
	{Name: "alpha", Machine: stdelf.EM_ALPHA, Class: c64, Data: le, PageSize: page64k,
		ElfName: "Digital Alpha", HashWord8: true},
}

// machine is what this package knows of a machine without a row.
type machine struct {
	elfName  string
	pageSize uint64 // 0: 4 KiB
}

// others are the machines without a row: pyelftools' names for
// auto-patchelf's messages about files one may find in a package (GPU
// code objects, firmware), and the page size of the old 64-bit ones.
var others = map[stdelf.Machine]machine{
	stdelf.EM_MIPS_RS3_LE: {"MIPS RS3000 Little-endian", page64k},
	stdelf.EM_SPARC:       {"SPARC", page8k},
	stdelf.EM_SPARC32PLUS: {"Enhanced SPARC", 0},
	stdelf.EM_IA_64:       {"Intel IA-64", page64k},
	stdelf.EM_SH:          {"Hitachi SH", 0},
	stdelf.EM_68K:         {"Motorola 68000", 0},
	stdelf.EM_PARISC:      {"Hewlett-Packard PA-RISC", 0},
	stdelf.EM_MICROBLAZE:  {"Xilinx MicroBlaze 32-bit RISC", 0},
	stdelf.EM_BPF:         {"Linux BPF - in-kernel virtual machine", 0},
	stdelf.EM_AMDGPU:      {"AMD GPU", 0},
	stdelf.EM_CUDA:        {"NVIDIA CUDA", 0},
	stdelf.EM_XTENSA:      {"Tensilica Xtensa", 0},
	stdelf.EM_ARC_COMPACT: {"ARC International ARCompact", 0},
	stdelf.EM_AVR:         {"Atmel AVR 8-bit", 0},
	stdelf.EM_MSP430:      {"Texas Instruments msp430", 0},
}

// All returns every row, in the table's order.
func All() []Arch {
	out := make([]Arch, len(rows))
	for i, r := range rows {
		out[i] = r.clone()
	}
	return out
}

// clone copies a row so that a caller cannot change the table through
// its slices.
func (a Arch) clone() Arch {
	a.WheelArchs = append([]string(nil), a.WheelArchs...)
	return a
}

// ByHeader returns the row of an ELF header's machine, class, byte order
// and e_flags.
func ByHeader(m stdelf.Machine, c stdelf.Class, d stdelf.Data, flags uint32) (Arch, bool) {
	for _, r := range rows {
		if r.Machine == m && r.Class == c && r.Data == d && flags&r.FlagsMask == r.Flags {
			return r.clone(), true
		}
	}
	return Arch{}, false
}

// ByGOARCH returns the row of a Go GOARCH ("amd64", "arm64", …).
func ByGOARCH(goarch string) (Arch, bool) {
	return find(func(r Arch) bool { return goarch != "" && r.GOARCH == goarch })
}

// Host returns the row of the machine this program runs on (its GOARCH).
func Host() (Arch, bool) { return ByGOARCH(runtime.GOARCH) }

// ByName returns the row named name ("x86_64", "armhf", …).
func ByName(name string) (Arch, bool) {
	return find(func(r Arch) bool { return r.Name == name })
}

// ByWheelTag returns the row a Linux wheel platform tag names
// ("manylinux_2_17_x86_64", "musllinux_1_2_aarch64", "linux_armv7l"): the
// tag ends in "_" and the architecture. The caller decides whether the tag
// is a Linux one.
func ByWheelTag(tag string) (Arch, bool) {
	for _, r := range rows {
		for _, w := range r.WheelArchs {
			if strings.HasSuffix(tag, "_"+w) {
				return r.clone(), true
			}
		}
	}
	return Arch{}, false
}

func find(match func(Arch) bool) (Arch, bool) {
	for _, r := range rows {
		if match(r) {
			return r.clone(), true
		}
	}
	return Arch{}, false
}

// PageSize is the largest page size Linux uses on machine m: 64 KiB on
// arm64, ppc64, MIPS, LoongArch and others whose kernels may be configured
// so, 8 KiB on SPARC, else 4 KiB.
func PageSize(m stdelf.Machine) uint64 {
	for _, r := range rows {
		if r.Machine == m {
			return r.PageSize
		}
	}
	if o, ok := others[m]; ok && o.pageSize != 0 {
		return o.pageSize
	}
	return page4k
}

// MachineName is pyelftools' name of machine m ("x64", "AArch64",
// "64-bit PowerPC", "AMD GPU"), false when pyelftools' table as
// auto-patchelf uses it has none.
func MachineName(m stdelf.Machine) (string, bool) {
	for _, r := range rows {
		if r.Machine == m {
			return r.ElfName, true
		}
	}
	if o, ok := others[m]; ok {
		return o.elfName, true
	}
	return "", false
}

// IsGlibcLoader reports whether name is the file name (and soname) of
// glibc's dynamic loader on some architecture of the table:
// ld-linux-x86-64.so.2, ld64.so.2, ld.so.1, ….
func IsGlibcLoader(name string) bool {
	for _, r := range rows {
		if r.Loader != "" && path.Base(r.Loader) == name {
			return true
		}
	}
	return false
}

// LoaderPath is the standard path of the loader (glibc's or musl's) whose
// file name is base, as the psABI of a machine m and class c places it
// ("ld64.so.1" is /lib64/ld64.so.1 on ppc64 but /lib/ld64.so.1 on s390x);
// a loader of no row of m and c is placed as on the first row that has it.
func LoaderPath(base string, m stdelf.Machine, c stdelf.Class) (string, bool) {
	found := ""
	for _, r := range rows {
		for _, l := range [...]string{r.Loader, r.MuslLoader} {
			if l == "" || path.Base(l) != base {
				continue
			}
			if r.Machine == m && r.Class == c {
				return l, true
			}
			if found == "" {
				found = l
			}
		}
	}
	return found, found != ""
}

// SysVHashWord is the size of a DT_HASH word (nbucket, nchain and the
// entries) in files of machine m and class c: 8 on 64-bit s390 and Alpha,
// 4 elsewhere.
func SysVHashWord(m stdelf.Machine, c stdelf.Class) uint64 {
	for _, r := range rows {
		if r.Machine == m && r.Class == c && r.HashWord8 {
			return 8
		}
	}
	return 4
}
