package elf

import (
	"bytes"
	stdelf "debug/elf"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

func TestNeededAfter(t *testing.T) {
	needed := []string{"liba.so", "libb.so", "libc.so.6"}
	for _, tc := range []struct {
		name string
		e    Edit
		want []string
	}{
		{"no edit", Edit{}, needed},
		{"remove", Edit{RemoveNeeded: []string{"libb.so", "libnot.so"}}, []string{"liba.so", "libc.so.6"}},
		{"replace in order given", Edit{ReplaceNeeded: []Replacement{{Old: "libb.so", New: "libB.so"}, {Old: "liba.so", New: "libb.so"}}},
			[]string{"libb.so", "libB.so", "libc.so.6"}},
		{"empty new name is skipped, as Plan does", Edit{ReplaceNeeded: []Replacement{{Old: "liba.so", New: ""}}}, needed},
		{"add in front, once, not when needed", Edit{AddNeeded: []string{"libz.so", "liba.so", "libz.so", ""}},
			[]string{"libz.so", "liba.so", "libb.so", "libc.so.6"}},
		{"remove then add back", Edit{RemoveNeeded: []string{"liba.so"}, AddNeeded: []string{"liba.so"}},
			[]string{"liba.so", "libb.so", "libc.so.6"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.e.NeededAfter(needed))
		})
	}
}

// TestVerify: the check Plan makes of its own result catches a result that
// does not say what the edit asked for, whatever part of the edit it is.
func TestVerify(t *testing.T) {
	data := elftest.FixtureBytes(t, "x86_64/transitive/libfoo.so")
	f, err := NewFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	edit := Edit{SetRunpath: true, Runpath: "/nix/store/x-bar/lib", Soname: "libfoo-renamed.so", AddNeeded: []string{"libz.so.1"}}
	patch, err := f.Plan(edit)
	require.NoError(t, err)
	require.False(t, patch.IsEmpty())
	result := patch.Reader(bytes.NewReader(data))
	require.NoError(t, f.verify(result, patch.Size, edit))

	for _, tc := range []struct {
		name string
		e    func(e *Edit)
	}{
		{"another run path", func(e *Edit) { e.Runpath = "/elsewhere" }},
		{"DT_RPATH asked, DT_RUNPATH written", func(e *Edit) { e.ForceRpath = true }},
		{"interpreter in a library", func(e *Edit) { e.Interpreter = "/lib/ld.so" }},
		{"another soname", func(e *Edit) { e.Soname = "libother.so" }},
		{"no soname asked: it must not change", func(e *Edit) { e.Soname = "" }},
		{"needed not added", func(e *Edit) { e.AddNeeded = nil }},
		{"needed removed", func(e *Edit) { e.RemoveNeeded = []string{"libbar.so"} }},
		{"OS ABI", func(e *Edit) { e.SetOSABI, e.OSABI = true, stdelf.ELFOSABI_FREEBSD }},
		{"DF_1_NODEFLIB", func(e *Edit) { e.NoDefaultLib = true }},
		{"DT_DEBUG", func(e *Edit) { e.AddDebugTag = true }},
		{"execstack", func(e *Edit) { e.SetExecstack = true }},
		{"resolution cache", func(e *Edit) { e.ResolutionCache = []byte("x") }},
		{"run path removed", func(e *Edit) { e.SetRunpath, e.RemoveRunpath = false, true }},
		{"run path left alone", func(e *Edit) { e.SetRunpath = false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := edit
			tc.e(&other)
			assert.ErrorIs(t, f.verify(result, patch.Size, other), ErrVerify)
		})
	}
	err = f.verify(result, 40, edit)
	assert.ErrorIs(t, err, ErrVerify)
	assert.ErrorContains(t, err, "result does not parse")
}
