package elftest

import (
	stdelf "debug/elf"
	"path/filepath"

	"github.com/gopatchelf/gopatchelf/internal/arch"
)

// Arch is one target architecture of the fixtures, with what it takes to
// run its programs on the test machine.
type Arch struct {
	Name    string         // directory name under fixtures/testdata: "x86_64", "armhf", …
	GOARCH  string         // Go's name, to tell whether programs run natively
	Machine stdelf.Machine // e_machine
	Class   stdelf.Class
	Data    stdelf.Data
	// Flags is e_flags of the libraries and programs the toolchain links
	// (relocatable objects may differ: see [Fixture.Flags]).
	Flags uint32
	// Triple is the GNU triple, the prefix of Debian's cross tools, and the
	// name of the sysroot under /usr that qemu-user is pointed at.
	Triple string
	// Interp is PT_INTERP of the dynamically linked programs.
	Interp string
	// Qemu is the qemu-user binary that runs this arch's programs on a host
	// of another arch.
	Qemu string
	// PageSize is the toolchain's default max-page-size, the p_align of
	// its PT_LOAD segments (64 KiB where kernels may use 64 KiB pages).
	PageSize uint64
	// Static and StaticPIE say whether the "static" and "static-pie"
	// variants exist for this arch (see fixtures/README.md for why not).
	Static, StaticPIE bool
}

// Sysroot is the directory holding the arch's glibc on a Debian machine with
// the cross toolchain installed (libc6-<arch>-cross), given to qemu as -L.
func (a Arch) Sysroot() string { return filepath.Join("/usr", a.Triple) }

// arches is the fixture table's first dimension, in the order the build
// script builds them. GOARCH, Machine, Class, Data and Interp come from
// internal/arch's row of the same name; the rest is the toolchain's.
var arches = []Arch{
	fromTable(Arch{Name: "x86_64", Triple: "x86_64-linux-gnu", Qemu: "qemu-x86_64",
		PageSize: 0x1000, Static: true, StaticPIE: true}),
	fromTable(Arch{Name: "i686", Triple: "i686-linux-gnu", Qemu: "qemu-i386", PageSize: 0x1000}),
	fromTable(Arch{Name: "aarch64", Triple: "aarch64-linux-gnu", Qemu: "qemu-aarch64",
		PageSize: 0x10000, Static: true, StaticPIE: true}),
	// EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_HARD
	fromTable(Arch{Name: "armhf", Flags: 0x05000400, Triple: "arm-linux-gnueabihf", Qemu: "qemu-arm", PageSize: 0x1000}),
	// Big-endian, ELFv1 ABI (e_flags 1): function descriptors in .opd.
	fromTable(Arch{Name: "ppc64", Flags: 1, Triple: "powerpc64-linux-gnu", Qemu: "qemu-ppc64", PageSize: 0x10000}),
	fromTable(Arch{Name: "s390x", Triple: "s390x-linux-gnu", Qemu: "qemu-s390x", PageSize: 0x1000}),
	// EF_RISCV_RVC | EF_RISCV_FLOAT_ABI_DOUBLE
	fromTable(Arch{Name: "riscv64", Flags: 5, Triple: "riscv64-linux-gnu", Qemu: "qemu-riscv64", PageSize: 0x1000}),
}

// fromTable fills in a's GOARCH, Machine, Class, Data and Interp from
// internal/arch's row named a.Name; a name the table lacks is a
// programming error in the fixture table.
func fromTable(a Arch) Arch {
	r, ok := arch.ByName(a.Name)
	if !ok {
		panic("elftest: no row " + a.Name + " in internal/arch")
	}
	a.GOARCH, a.Machine, a.Class, a.Data, a.Interp = r.GOARCH, r.Machine, r.Class, r.Data, r.Loader
	return a
}

// Arches returns the seven fixture architectures.
func Arches() []Arch { return append([]Arch(nil), arches...) }

// ArchByName returns the arch whose fixture directory is name.
func ArchByName(name string) (Arch, bool) {
	for _, a := range arches {
		if a.Name == name {
			return a, true
		}
	}
	return Arch{}, false
}

// ArchFor returns the fixture arch matching an ELF file's machine, class and
// byte order.
func ArchFor(m stdelf.Machine, c stdelf.Class, d stdelf.Data) (Arch, bool) {
	for _, a := range arches {
		if a.Machine == m && a.Class == c && a.Data == d {
			return a, true
		}
	}
	return Arch{}, false
}
