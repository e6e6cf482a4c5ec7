package hook

import (
	"bytes"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gopatchelf/gopatchelf/resolver"
)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func TestDisplayPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                ".",
		".":               ".",
		"./":              ".",
		"out":             "out",
		"./out/":          "out",
		"out//lib/./x":    "out/lib/x",
		"../out":          "../out",
		"a/../b":          "a/../b",
		"/":               "/",
		"//":              "//",
		"///":             "/",
		"//nix/store":     "//nix/store",
		"///nix//store/":  "/nix/store",
		"/nix/store/./x/": "/nix/store/x",
	} {
		assert.Equal(t, want, DisplayPath(in), "DisplayPath(%q)", in)
	}
}

func TestChild(t *testing.T) {
	assert.Equal(t, "x", child(".", "x"))
	assert.Equal(t, "/x", child("/", "x"))
	assert.Equal(t, "//x", child("//", "x"))
	assert.Equal(t, "out/x", child("out", "x"))
}

func TestArchNames(t *testing.T) {
	ppc64le := resolver.Platform{Machine: stdelf.EM_PPC64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	ppc64 := resolver.Platform{Machine: stdelf.EM_PPC64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2MSB}
	a, b := archNames2(ppc64, ppc64le)
	assert.Equal(t, "64-bit PowerPC, 64-bit big-endian", a)
	assert.Equal(t, "64-bit PowerPC, 64-bit little-endian", b)

	a, b = archNames2(resolver.Platform{Machine: stdelf.EM_AARCH64}, x64)
	assert.Equal(t, [2]string{"AArch64", "x64"}, [2]string{a, b}, "upstream's names when machines differ")

	a, b = archNames2(resolver.Platform{Machine: 0x9999}, resolver.Platform{Machine: 0x9998})
	assert.Equal(t, [2]string{"<unknown> 39321", "<unknown> 39320"}, [2]string{a, b})

	assert.Equal(t, "ELFOSABI_FREEBSD", OSABIName(stdelf.ELFOSABI_FREEBSD))
	assert.Equal(t, "42", OSABIName(42))
	assert.Equal(t, "RISC-V", ArchName(stdelf.EM_RISCV))
}

func TestOutcomeString(t *testing.T) {
	assert.Equal(t, "patched", Patched.String())
	assert.Equal(t, "Outcome(?)", Outcome(99).String())
}

// TestNameErr: the path is named once, whoever named it first.
func TestNameErr(t *testing.T) {
	p := "out/lib/libfoo.so"
	assert.Equal(t, p+": boom", nameErr(p, errors.New("boom")).Error())
	assert.Equal(t, p+": copying to x: no space", nameErr(p, fmt.Errorf("%s: copying to x: %w", p, errors.New("no space"))).Error())
	pe := &os.PathError{Op: "open", Path: p, Err: syscall.ENOENT}
	assert.Equal(t, pe.Error(), nameErr(p, pe).Error())
}
