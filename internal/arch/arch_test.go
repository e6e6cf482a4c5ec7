package arch

import (
	stdelf "debug/elf"
	"path"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRows cross-checks the rows against each other: names and GOARCHes
// are unique, every row is found again by its own header, GOARCH and
// wheel tags, a row with a loader has a triplet, and the facts kept per
// machine agree between the rows of one machine.
func TestRows(t *testing.T) {
	names, goarchs := map[string]bool{}, map[string]bool{}
	pages, elfNames := map[stdelf.Machine]uint64{}, map[stdelf.Machine]string{}
	for _, r := range All() {
		t.Run(r.Name, func(t *testing.T) {
			require.NotEmpty(t, r.Name)
			assert.False(t, names[r.Name], "duplicate name")
			names[r.Name] = true
			if r.GOARCH != "" {
				assert.False(t, goarchs[r.GOARCH], "duplicate GOARCH")
				goarchs[r.GOARCH] = true
				got, ok := ByGOARCH(r.GOARCH)
				require.True(t, ok)
				assert.Equal(t, r.Name, got.Name)
			}
			got, ok := ByHeader(r.Machine, r.Class, r.Data, r.Flags)
			require.True(t, ok)
			assert.Equal(t, r, got, "the row's own header finds it")
			got, ok = ByName(r.Name)
			require.True(t, ok)
			assert.Equal(t, r, got)
			for _, w := range r.WheelArchs {
				got, ok := ByWheelTag("manylinux_2_17_" + w)
				require.True(t, ok, w)
				assert.Equal(t, r.Name, got.Name, w)
			}
			assert.Equal(t, r.Flags, r.Flags&r.FlagsMask, "flags outside the mask never match")
			assert.Contains(t, []uint64{0x1000, 0x2000, 0x10000}, r.PageSize)
			if p, ok := pages[r.Machine]; ok {
				assert.Equal(t, p, r.PageSize, "page size is per machine")
			}
			pages[r.Machine] = r.PageSize
			require.NotEmpty(t, r.ElfName)
			if n, ok := elfNames[r.Machine]; ok {
				assert.Equal(t, n, r.ElfName, "pyelftools' name is per machine")
			}
			elfNames[r.Machine] = r.ElfName
			_, other := others[r.Machine]
			assert.False(t, other, "a machine with rows is not in others")
			if r.Loader != "" {
				assert.NotEmpty(t, r.Multiarch, "a row with a loader has a triplet")
				assert.True(t, path.IsAbs(r.Loader))
				assert.True(t, IsGlibcLoader(path.Base(r.Loader)))
				l, ok := LoaderPath(path.Base(r.Loader), r.Machine, r.Class)
				assert.True(t, ok)
				assert.Equal(t, r.Loader, l, "the loader's name gives back its path")
			}
			if r.MuslLoader != "" {
				assert.True(t, strings.HasPrefix(r.MuslLoader, "/lib/ld-musl-"), r.MuslLoader)
				assert.False(t, IsGlibcLoader(path.Base(r.MuslLoader)))
				l, ok := LoaderPath(path.Base(r.MuslLoader), r.Machine, r.Class)
				assert.True(t, ok)
				assert.Equal(t, r.MuslLoader, l)
			}
			if r.Multiarch != "" {
				assert.Contains(t, r.Multiarch, "-linux-gnu", "a Debian triplet")
			}
		})
	}
}

func TestHost(t *testing.T) {
	h, ok := Host()
	require.True(t, ok, "GOARCH %s has a row", runtime.GOARCH)
	assert.Equal(t, runtime.GOARCH, h.GOARCH)
}

func TestByHeader(t *testing.T) {
	for _, tc := range []struct {
		m     stdelf.Machine
		c     stdelf.Class
		d     stdelf.Data
		flags uint32
		want  string // "" when no row
	}{
		{stdelf.EM_X86_64, stdelf.ELFCLASS64, stdelf.ELFDATA2LSB, 0, "x86_64"},
		{stdelf.EM_X86_64, stdelf.ELFCLASS32, stdelf.ELFDATA2LSB, 0, "x32"},
		{stdelf.EM_ARM, stdelf.ELFCLASS32, stdelf.ELFDATA2LSB, 0x05000400, "armhf"},
		{stdelf.EM_ARM, stdelf.ELFCLASS32, stdelf.ELFDATA2LSB, 0x05000200, "armel"},
		{stdelf.EM_RISCV, stdelf.ELFCLASS64, stdelf.ELFDATA2LSB, 5, "riscv64"},      // RVC, double float
		{stdelf.EM_RISCV, stdelf.ELFCLASS64, stdelf.ELFDATA2LSB, 1, "riscv64-lp64"}, // RVC, soft float
		{stdelf.EM_RISCV, stdelf.ELFCLASS64, stdelf.ELFDATA2LSB, 3, ""},             // single float: no distribution builds it
		{stdelf.EM_PPC64, stdelf.ELFCLASS64, stdelf.ELFDATA2MSB, 1, "ppc64"},
		{stdelf.EM_PPC64, stdelf.ELFCLASS64, stdelf.ELFDATA2LSB, 2, "ppc64le"},
		{stdelf.EM_MIPS, stdelf.ELFCLASS32, stdelf.ELFDATA2LSB, 0, "mipsel"},
		{stdelf.EM_S390, stdelf.ELFCLASS32, stdelf.ELFDATA2MSB, 0, ""},
		{stdelf.EM_AMDGPU, stdelf.ELFCLASS64, stdelf.ELFDATA2LSB, 0, ""},
	} {
		got, ok := ByHeader(tc.m, tc.c, tc.d, tc.flags)
		assert.Equal(t, tc.want != "", ok, "%v %v %v %#x", tc.m, tc.c, tc.d, tc.flags)
		assert.Equal(t, tc.want, got.Name, "%v %v %v %#x", tc.m, tc.c, tc.d, tc.flags)
	}
}

func TestByWheelTag(t *testing.T) {
	for tag, want := range map[string]string{
		"manylinux_2_17_x86_64":  "x86_64",
		"manylinux2014_ppc64le":  "ppc64le",
		"manylinux2014_ppc64":    "ppc64",
		"musllinux_1_2_aarch64":  "aarch64",
		"linux_armv7l":           "armhf",
		"manylinux_2_28_s390x":   "s390x",
		"manylinux_2_31_riscv64": "riscv64",
		"linux_i686":             "i686",
		"macosx_11_0_arm64":      "", // no row names arm64 a wheel arch
		"any":                    "",
	} {
		got, ok := ByWheelTag(tag)
		assert.Equal(t, want != "", ok, tag)
		assert.Equal(t, want, got.Name, tag)
	}
}

func TestPageSizeAndNames(t *testing.T) {
	for _, tc := range []struct {
		m    stdelf.Machine
		page uint64
		name string
	}{
		{stdelf.EM_X86_64, 0x1000, "x64"},
		{stdelf.EM_AARCH64, 0x10000, "AArch64"},
		{stdelf.EM_ARM, 0x10000, "ARM"},
		{stdelf.EM_SPARCV9, 0x2000, "SPARC Version 9"},
		{stdelf.EM_SPARC, 0x2000, "SPARC"},
		{stdelf.EM_IA_64, 0x10000, "Intel IA-64"},
		{stdelf.EM_AMDGPU, 0x1000, "AMD GPU"},
		{0x9999, 0x1000, ""},
	} {
		assert.Equal(t, tc.page, PageSize(tc.m), "%v", tc.m)
		name, ok := MachineName(tc.m)
		assert.Equal(t, tc.name != "", ok, "%v", tc.m)
		assert.Equal(t, tc.name, name, "%v", tc.m)
	}
}

func TestSysVHashWord(t *testing.T) {
	assert.Equal(t, uint64(8), SysVHashWord(stdelf.EM_S390, stdelf.ELFCLASS64))
	assert.Equal(t, uint64(8), SysVHashWord(stdelf.EM_ALPHA, stdelf.ELFCLASS64))
	assert.Equal(t, uint64(4), SysVHashWord(stdelf.EM_S390, stdelf.ELFCLASS32))
	assert.Equal(t, uint64(4), SysVHashWord(stdelf.EM_X86_64, stdelf.ELFCLASS64))
	assert.Equal(t, uint64(4), SysVHashWord(0x9999, stdelf.ELFCLASS64))
}

func TestLoaders(t *testing.T) {
	for _, tc := range []struct {
		base string
		m    stdelf.Machine
		c    stdelf.Class
		want string
	}{
		{"ld64.so.1", stdelf.EM_PPC64, stdelf.ELFCLASS64, "/lib64/ld64.so.1"},
		{"ld64.so.1", stdelf.EM_S390, stdelf.ELFCLASS64, "/lib/ld64.so.1"},
		{"ld64.so.1", stdelf.EM_X86_64, stdelf.ELFCLASS64, "/lib64/ld64.so.1"}, // the first row's
		{"ld.so.1", stdelf.EM_MIPS, stdelf.ELFCLASS32, "/lib/ld.so.1"},
		{"ld.so.1", stdelf.EM_MIPS, stdelf.ELFCLASS64, "/lib64/ld.so.1"},
		{"ld-linux-x32.so.2", stdelf.EM_X86_64, stdelf.ELFCLASS32, "/libx32/ld-linux-x32.so.2"},
		{"ld-musl-x86_64.so.1", stdelf.EM_X86_64, stdelf.ELFCLASS64, "/lib/ld-musl-x86_64.so.1"},
		{"ld-linux-ia64.so.2", stdelf.EM_IA_64, stdelf.ELFCLASS64, ""},
	} {
		got, ok := LoaderPath(tc.base, tc.m, tc.c)
		assert.Equal(t, tc.want != "", ok, tc.base)
		assert.Equal(t, tc.want, got, tc.base)
	}
	assert.False(t, IsGlibcLoader("ld-musl-x86_64.so.1"))
	assert.False(t, IsGlibcLoader("libc.so.6"))
}

// TestAllIsACopy: a caller changing what All returns does not change the
// table.
func TestAllIsACopy(t *testing.T) {
	a := All()
	a[0].WheelArchs[0] = "changed"
	a[0].Name = "changed"
	got, ok := ByName(rows[0].Name)
	require.True(t, ok)
	assert.NotEqual(t, "changed", got.WheelArchs[0])
}
