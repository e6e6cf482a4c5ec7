package linkcheck

import (
	"bytes"
	stdelf "debug/elf"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

func TestExpandDST(t *testing.T) {
	h64 := elf.FileHeader{Class: stdelf.ELFCLASS64, Machine: stdelf.EM_X86_64}
	h32 := elf.FileHeader{Class: stdelf.ELFCLASS32, Machine: stdelf.EM_386}
	tests := []struct {
		in          string
		h           elf.FileHeader
		want, unkwn string
	}{
		{"/usr/lib", h64, "/usr/lib", ""},
		{"$ORIGIN", h64, "/o", ""},
		{"$ORIGIN/../lib", h64, "/o/../lib", ""},
		{"${ORIGIN}/x:$ORIGIN", h64, "/o/x:/o", ""},
		{"$ORIGINAL/x", h64, "$ORIGINAL/x", ""}, // not a token: glibc keeps it
		{"/a/$LIB", h64, "/a/lib64", ""},
		{"/a/${LIB}/b", h32, "/a/lib/b", ""},
		{"/a/$PLATFORM/b", h64, "", "$PLATFORM"},
		{"/a/${PLATFORM}", h64, "", "$PLATFORM"},
		{"$HOME/lib", h64, "$HOME/lib", ""},
		{"/a$", h64, "/a$", ""},
	}
	for _, tc := range tests {
		got, unknown := expandDST(tc.in, "/o", tc.h)
		assert.Equal(t, tc.want, got, tc.in)
		assert.Equal(t, tc.unkwn, unknown, tc.in)
	}
}

// TestDefaultDirs covers every fixture arch: each gets its Debian
// multiarch directories, and the class decides lib64.
func TestDefaultDirs(t *testing.T) {
	want := map[string][]string{
		"x86_64":  {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"},
		"i686":    {"/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu", "/lib32", "/usr/lib32", "/lib", "/usr/lib"},
		"aarch64": {"/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"},
		"armhf":   {"/lib/arm-linux-gnueabihf", "/usr/lib/arm-linux-gnueabihf", "/lib", "/usr/lib"},
		"ppc64":   {"/lib/powerpc64-linux-gnu", "/usr/lib/powerpc64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"},
		"s390x":   {"/lib/s390x-linux-gnu", "/usr/lib/s390x-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"},
		"riscv64": {"/lib/riscv64-linux-gnu", "/usr/lib/riscv64-linux-gnu", "/lib64/lp64d", "/usr/lib64/lp64d", "/lib64", "/usr/lib64", "/lib", "/usr/lib"},
	}
	for _, a := range elftest.Arches() {
		fx := fixtureBytes(t, a.Name+"/pie/libfoo.so")
		f, err := elf.NewFile(bytes.NewReader(fx), int64(len(fx)))
		require.NoError(t, err)
		assert.Equal(t, want[a.Name], DefaultDirs(f.FileHeader), a.Name)
	}
}

func TestNewest(t *testing.T) {
	assert.Equal(t, "GLIBC_2.36", Newest([]string{"GLIBC_2.2.5", "GLIBC_2.36", "GLIBC_2.4", "GLIBC_2.17"}))
	assert.Equal(t, "GLIBCXX_3.4.30", Newest([]string{"GLIBCXX_3.4.9", "GLIBCXX_3.4.30", "GLIBCXX_3.4"}))
	assert.Equal(t, "OPENSSL_3.0.0", Newest([]string{"OPENSSL_3.0.0"}))
	assert.Equal(t, "", Newest(nil))
	assert.Equal(t, []string{"GLIBC_2.2.5", "GLIBC_2.36"},
		samePrefix([]string{"GLIBC_2.2.5", "GLIBC_PRIVATE", "GLIBC_ABI_DT_RELR", "GLIBC_2.36", "GLIBC_2.38", "GCC_3.0"}, "GLIBC_2.38"))
}

// TestReadVersionsHostile corrupts the version tables of a real library
// in memory: every variant gives an error or a result, never a panic or a
// long loop.
func TestReadVersionsHostile(t *testing.T) {
	orig := fixtureBytes(t, "x86_64/pie/prog")
	f, err := elf.NewFile(bytes.NewReader(orig), int64(len(orig)))
	require.NoError(t, err)
	v, err := ReadVersions(f, bytes.NewReader(orig))
	require.NoError(t, err)
	require.NotEmpty(t, v.Needs)
	assert.Equal(t, "libc.so.6", v.Needs[0].File)

	sf, err := stdelf.NewFile(bytes.NewReader(orig))
	require.NoError(t, err)
	vr := sf.Section(".gnu.version_r")
	require.NotNil(t, vr)
	for off := vr.Offset; off < vr.Offset+vr.Size; off++ {
		for _, b := range []byte{0x00, 0xff, 0x80} {
			data := bytes.Clone(orig)
			data[off] = b
			f, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
			require.NoError(t, err)
			assert.NotPanics(t, func() { _, _ = ReadVersions(f, bytes.NewReader(data)) })
		}
	}
	// vn_cnt of 65535: the walk stops at the aux chain's end or the
	// record budget (records only ever move forward).
	data := bytes.Clone(orig)
	f.ByteOrder.PutUint16(data[vr.Offset+2:], 0xffff)
	f2, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	v2, err := ReadVersions(f2, bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, v.Needs, v2.Needs)
}
