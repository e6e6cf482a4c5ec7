package resolver

import (
	stdelf "debug/elf"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	amd64   = Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	arm64   = Platform{Machine: stdelf.EM_AARCH64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	ppc64le = Platform{Machine: stdelf.EM_PPC64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	ppc64be = Platform{Machine: stdelf.EM_PPC64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2MSB}
	x32     = Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS32, Data: stdelf.ELFDATA2LSB}
)

func withOSABI(p Platform, abi stdelf.OSABI) Platform {
	p.OSABI = abi
	return p
}

func TestOSABICompatible(t *testing.T) {
	const (
		sysv    = stdelf.ELFOSABI_NONE
		linux   = stdelf.ELFOSABI_LINUX
		freebsd = stdelf.ELFOSABI_FREEBSD
		arm     = stdelf.ELFOSABI_ARM
	)
	tests := []struct {
		a, b stdelf.OSABI
		want bool
	}{
		{sysv, sysv, true},
		{sysv, linux, true},
		{linux, sysv, true},
		{linux, linux, true},
		{freebsd, sysv, true},
		{sysv, freebsd, true},
		{freebsd, freebsd, true},
		// GNU/Linux is not generic: only System V is.
		{linux, freebsd, false},
		{freebsd, linux, false},
		{arm, linux, false},
		{stdelf.OSABI(200), stdelf.OSABI(200), true},
		{stdelf.OSABI(200), sysv, true},
	}
	for _, tt := range tests {
		t.Run(tt.a.String()+"/"+tt.b.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, OSABICompatible(tt.a, tt.b))
			assert.Equal(t, tt.want, OSABICompatible(tt.b, tt.a), "symmetric")
		})
	}
}

func TestPlatformSameArch(t *testing.T) {
	tests := []struct {
		name string
		p, q Platform
		want bool
	}{
		{"equal", amd64, amd64, true},
		{"machine differs", amd64, arm64, false},
		{"byte order differs", ppc64le, ppc64be, false},
		{"class differs", amd64, x32, false},
		{"unknown class and order match any", amd64, Platform{Machine: stdelf.EM_X86_64}, true},
		{"OS ABI is not arch", amd64, withOSABI(amd64, stdelf.ELFOSABI_FREEBSD), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.p.SameArch(tt.q))
			assert.Equal(t, tt.want, tt.q.SameArch(tt.p))
		})
	}
}

func TestIndexLookup(t *testing.T) {
	freebsd := withOSABI(amd64, stdelf.ELFOSABI_FREEBSD)
	linux := withOSABI(amd64, stdelf.ELFOSABI_LINUX)
	tests := []struct {
		name    string
		libs    []Library
		lookup  string
		want    Platform
		wantLib Library
		wantOK  bool
	}{
		{
			name:   "empty",
			lookup: "libz.so.1", want: amd64,
		},
		{
			name: "first added wins",
			libs: []Library{
				{Name: "libz.so.1", Dir: "/out/lib", Platform: amd64},
				{Name: "libz.so.1", Dir: "/zlib/lib", Platform: amd64},
			},
			lookup: "libz.so.1", want: amd64,
			wantLib: Library{Name: "libz.so.1", Dir: "/out/lib", Platform: amd64}, wantOK: true,
		},
		{
			name: "other arch skipped",
			libs: []Library{
				{Name: "libz.so.1", Dir: "/cross/lib", Platform: arm64},
				{Name: "libz.so.1", Dir: "/zlib/lib", Platform: amd64},
			},
			lookup: "libz.so.1", want: amd64,
			wantLib: Library{Name: "libz.so.1", Dir: "/zlib/lib", Platform: amd64}, wantOK: true,
		},
		{
			name: "other byte order skipped",
			libs: []Library{
				{Name: "libz.so.1", Dir: "/be/lib", Platform: ppc64be},
				{Name: "libz.so.1", Dir: "/le/lib", Platform: ppc64le},
			},
			lookup: "libz.so.1", want: ppc64le,
			wantLib: Library{Name: "libz.so.1", Dir: "/le/lib", Platform: ppc64le}, wantOK: true,
		},
		{
			name: "incompatible OS ABI skipped",
			libs: []Library{
				{Name: "libz.so.1", Dir: "/bsd/lib", Platform: freebsd},
				{Name: "libz.so.1", Dir: "/gnu/lib", Platform: linux},
			},
			lookup: "libz.so.1", want: linux,
			wantLib: Library{Name: "libz.so.1", Dir: "/gnu/lib", Platform: linux}, wantOK: true,
		},
		{
			name: "System V file takes any OS ABI",
			libs: []Library{
				{Name: "libz.so.1", Dir: "/bsd/lib", Platform: freebsd},
			},
			lookup: "libz.so.1", want: amd64,
			wantLib: Library{Name: "libz.so.1", Dir: "/bsd/lib", Platform: freebsd}, wantOK: true,
		},
		{
			name: "only other arches",
			libs: []Library{
				{Name: "libz.so.1", Dir: "/cross/lib", Platform: arm64},
			},
			lookup: "libz.so.1", want: amd64,
		},
		{
			name: "name is the file name, not a prefix",
			libs: []Library{
				{Name: "libz.so.1.3", Dir: "/zlib/lib", Platform: amd64},
				{Name: "libz.so", Dir: "/zlib/lib", Platform: amd64},
			},
			lookup: "libz.so.1", want: amd64,
		},
		{
			// A symlink libfoo.so.1 -> ../store/libfoo.so.1.2 counts
			// under its own name and directory; the target under its.
			name: "symlink-named entry",
			libs: []Library{
				{Name: "libfoo.so.1", Dir: "/out/lib", Platform: amd64},
				{Name: "libfoo.so.1.2", Dir: "/store/lib", Platform: amd64},
			},
			lookup: "libfoo.so.1", want: amd64,
			wantLib: Library{Name: "libfoo.so.1", Dir: "/out/lib", Platform: amd64}, wantOK: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ix Index
			for _, l := range tt.libs {
				require.True(t, ix.Add(l))
			}
			lib, ok := ix.Lookup(tt.lookup, tt.want)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.wantLib, lib)
		})
	}
}

func TestIndexAddDuplicates(t *testing.T) {
	var ix Index
	a := Library{Name: "libz.so.1", Dir: "/out/lib", Platform: amd64}
	b := Library{Name: "libz.so.1", Dir: "/zlib/lib", Platform: amd64}
	assert.True(t, ix.Add(a))
	assert.True(t, ix.Add(b))
	assert.False(t, ix.Add(a), "same name and dir again")
	assert.Equal(t, 2, ix.Len())
	assert.Equal(t, []Library{a, b}, ix.Candidates("libz.so.1"))
}

func TestIndexCandidatesIsACopy(t *testing.T) {
	var ix Index
	a := Library{Name: "libz.so.1", Dir: "/out/lib", Platform: amd64}
	require.True(t, ix.Add(a))
	c := ix.Candidates("libz.so.1")
	require.Len(t, c, 1)
	c[0].Dir = "/elsewhere"
	assert.Equal(t, []Library{a}, ix.Candidates("libz.so.1"))
	assert.Nil(t, ix.Candidates("libnone.so"))
}

func TestNilIndex(t *testing.T) {
	var ix *Index
	_, ok := ix.Lookup("libz.so.1", amd64)
	assert.False(t, ok)
	assert.Nil(t, ix.Candidates("libz.so.1"))
	assert.Equal(t, 0, ix.Len())
}
