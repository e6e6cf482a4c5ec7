package patchelf

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
)

func TestReplacements(t *testing.T) {
	needed := []string{"a", "b", "c"}
	got, err := replacements(map[string]string{"a": "b", "b": "c"}, needed)
	require.NoError(t, err)
	assert.Equal(t, []elf.Replacement{{Old: "b", New: "c"}, {Old: "a", New: "b"}}, got)

	got, err = replacements(map[string]string{"a": "a", "x": "y", "c": "d"}, needed)
	require.NoError(t, err)
	assert.Equal(t, []elf.Replacement{{Old: "c", New: "d"}}, got)

	_, err = replacements(map[string]string{"a": "b", "b": "a"}, needed)
	assert.ErrorContains(t, err, "into each other")
}

func TestSplitPath(t *testing.T) {
	assert.Equal(t, []string{"a", "", "b"}, SplitPath("a::b"))
	assert.Equal(t, []string{"a"}, SplitPath("a:"))
	assert.Equal(t, []string{}, SplitPath(""))
}

func TestOSABINames(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"sysv", "System V"}, {" GNU ", "Linux"}, {"gnu-hurd", "GNU Hurd"}, {"FreeBSD", "FreeBSD"},
	} {
		abi, ok := ParseOSABI(tc.in)
		require.True(t, ok, tc.in)
		assert.Equal(t, tc.want, OSABIName(abi), tc.in)
	}
	_, ok := ParseOSABI("beos")
	assert.False(t, ok)
	assert.Equal(t, "0xFF", OSABIName(0xff))
}
