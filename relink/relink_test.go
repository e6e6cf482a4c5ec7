package relink

import (
	stdelf "debug/elf"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gopatchelf/gopatchelf/resolver"
)

func TestDecide(t *testing.T) {
	aarch64 := resolver.Platform{Machine: stdelf.EM_AARCH64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	freebsd, linux := x64, x64
	freebsd.OSABI, linux.OSABI = stdelf.ELFOSABI_FREEBSD, stdelf.ELFOSABI_LINUX
	for _, tc := range []struct {
		name   string
		f      Facts
		target *resolver.Platform
		want   Skip
		why    string
	}{
		{"dynamic, same platform", Facts{Platform: x64}, &x64, NoSkip, ""},
		{"static first", Facts{Platform: aarch64, Static: true}, &x64, Static, "it is statically linked"},
		{"no segments", Facts{Platform: x64, NoSegments: true}, &x64, NoSegments, "it contains no segment"},
		{"other architecture", Facts{Platform: aarch64}, &x64, OtherArch, "its architecture (AArch64) differs from target (x64)"},
		{"no target: every architecture", Facts{Platform: aarch64}, nil, NoSkip, ""},
		{"OS ABI", Facts{Platform: freebsd}, &linux, OtherOSABI, "its OS ABI (ELFOSABI_FREEBSD) is not compatible with target (ELFOSABI_LINUX)"},
		{"System V goes with every OS ABI", Facts{Platform: freebsd}, &x64, NoSkip, ""},
		{"debug object last", Facts{Platform: x64, Debug: true}, &x64, Debug, "it looks like a separate debug object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := Decide(&tc.f, tc.target)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.why, why)
		})
	}
}

func TestRequestAndEdit(t *testing.T) {
	f := &Facts{Platform: x64, Executable: true, Needed: []string{"libfoo.so"}, HasRpath: true, SearchPath: "/a:/b"}
	req := Request("out/bin/prog", "/abs/out/bin", f, true)
	assert.Equal(t, resolver.Request{Path: "out/bin/prog", Dir: "/abs/out/bin", Platform: x64, Executable: true,
		Needed: []string{"libfoo.so"}, RunPath: []string{"/a", "/b"}}, req)
	assert.Nil(t, Request("p", "", f, false).RunPath)

	e := Edit(f, "/lib/ld.so", resolver.Result{RunPath: []string{"/x", "$ORIGIN"}}, true)
	assert.Equal(t, "/lib/ld.so", e.Interpreter)
	assert.True(t, e.SetRunpath)
	assert.Equal(t, "/x:$ORIGIN", e.Runpath)
	assert.True(t, e.ForceRpath)

	lib := &Facts{Platform: x64}
	e = Edit(lib, "/lib/ld.so", resolver.Result{}, false)
	assert.True(t, e.IsZero(), "a library gets no interpreter, nothing found no run path")
}
