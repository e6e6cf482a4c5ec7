package hook

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
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

func TestWorkersFor(t *testing.T) {
	for _, tc := range []struct {
		cores string
		want  int
	}{{"", 0}, {"0", 0}, {"4", 4}, {"1", 1}, {"-2", 0}, {"many", 0}} {
		assert.Equal(t, tc.want, WorkersFor(tc.cores), "%q", tc.cores)
	}
}
