package relink

import (
	stdelf "debug/elf"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/resolver"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o755))
}

// TestNewTarget: the command line wins over $NIX_BINTOOLS, which wins
// over the machine; a libc directory from Nix holds glibc alone, any other
// counts for glibc's names only.
func TestNewTarget(t *testing.T) {
	root := t.TempDir()
	aarch64 := resolver.Platform{Machine: stdelf.EM_AARCH64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	nixLd := filepath.Join(root, "glibc/lib/ld-linux-aarch64.so.1")
	writeFile(t, nixLd, elftest.FixtureBytes(t, "aarch64/pie/libfoo.so"))
	writeFile(t, filepath.Join(root, "bintools/nix-support/dynamic-linker"), []byte(nixLd+"\n"))
	writeFile(t, filepath.Join(root, "bintools/nix-support/orig-libc"), []byte(root+"/glibc\n"))
	x64Ld := filepath.Join(root, "cross/ld-linux-x86-64.so.2")
	writeFile(t, x64Ld, elftest.FixtureBytes(t, "x86_64/pie/libfoo.so"))
	writeFile(t, filepath.Join(root, "text"), []byte("#!/bin/sh\n"))
	x64 := resolver.Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}

	env := func(bintools string) func(string) string {
		return func(key string) string {
			if key == "NIX_BINTOOLS" {
				return bintools
			}
			return ""
		}
	}
	inNix := env(filepath.Join(root, "bintools"))
	tests := []struct {
		name      string
		spec      TargetSpec
		want      Target
		glibcOnly bool // want.LibcNames is resolver.IsGlibc
		err       string
	}{
		{name: "nothing: this machine", spec: TargetSpec{}, want: Target{Platform: HostPlatform()}},
		{name: "libc asked, none", spec: TargetSpec{Libc: true}, want: Target{Platform: HostPlatform()}, glibcOnly: true},
		{name: "Nix build", spec: TargetSpec{Getenv: inNix, ReadPlatform: true, Libc: true},
			want: Target{Interpreter: nixLd, LibcDir: root + "/glibc/lib", Platform: aarch64}},
		{name: "Nix build, platform not read", spec: TargetSpec{Getenv: inNix, Libc: true},
			want: Target{Interpreter: nixLd, LibcDir: root + "/glibc/lib"}},
		{name: "flags win", spec: TargetSpec{Interpreter: x64Ld, LibcDir: "libc", Getenv: inNix, ReadPlatform: true, Libc: true},
			want: Target{Interpreter: x64Ld, LibcDir: "libc", Platform: x64}, glibcOnly: true},
		{name: "interpreter flag, libc from Nix", spec: TargetSpec{Interpreter: x64Ld, Getenv: inNix, SystemLibc: true},
			want: Target{Interpreter: x64Ld, LibcDir: root + "/glibc/lib", Platform: x64}},
		{name: "no environment read", spec: TargetSpec{Interpreter: "ld.so", LibcDir: "libc", Libc: true},
			want: Target{Interpreter: "ld.so", LibcDir: "libc"}, glibcOnly: true},
		{name: "empty NIX_BINTOOLS", spec: TargetSpec{Getenv: env("")}, want: Target{Platform: HostPlatform()}},
		{name: "nix-support missing", spec: TargetSpec{Getenv: env(filepath.Join(root, "nothing"))},
			err: "reading the dynamic linker from $NIX_BINTOOLS: open " + root + "/nothing/nix-support/dynamic-linker: no such file or directory"},
		{name: "orig-libc missing", spec: TargetSpec{Interpreter: x64Ld, Getenv: env(filepath.Join(root, "nothing")), Libc: true},
			err: "reading the libc path from $NIX_BINTOOLS: open " + root + "/nothing/nix-support/orig-libc: no such file or directory"},
		{name: "libc not asked: orig-libc not read", spec: TargetSpec{Interpreter: x64Ld, Getenv: env(filepath.Join(root, "nothing"))},
			want: Target{Interpreter: x64Ld}},
		{name: "interpreter not ELF", spec: TargetSpec{Interpreter: filepath.Join(root, "text"), ReadPlatform: true},
			err: root + "/text: not an ELF file"},
		{name: "interpreter not ELF, platform not read", spec: TargetSpec{Interpreter: filepath.Join(root, "text")},
			want: Target{Interpreter: filepath.Join(root, "text")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewTarget(tt.spec)
			if tt.err != "" {
				require.Error(t, err)
				assert.Equal(t, tt.err, err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.glibcOnly, got.LibcNames != nil)
			if got.LibcNames != nil {
				assert.True(t, got.LibcNames("libm.so.6"))
				assert.False(t, got.LibcNames("libcurl.so.4"))
			}
			got.LibcNames = nil
			assert.Equal(t, tt.want, got)
		})
	}

	_, err := NewTarget(TargetSpec{Interpreter: filepath.Join(root, "text"), SystemLibc: true})
	var ie *InterpreterError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, filepath.Join(root, "text"), ie.Path)
	assert.ErrorIs(t, err, elf.ErrNotELF)
	assert.False(t, errors.Is(err, os.ErrNotExist))
}

// The libc directory outside Nix, on a Debian/Ubuntu (merged /usr,
// multiarch) and a Fedora (lib64) layout laid out under a directory:
// found from the interpreter's directory and from the usual ones, and it
// is the one holding libc.so.6.
func TestSystemLibcDirLayouts(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the layouts are x86-64's")
	}
	for _, tc := range []struct {
		name  string
		files []string          // under root
		links map[string]string // link -> target, under root
		want  string
	}{
		{"debian", []string{"usr/lib/x86_64-linux-gnu/libc.so.6", "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
			"usr/lib/x86_64-linux-gnu/libcurl.so.4"},
			map[string]string{"lib": "usr/lib", "lib64/ld-linux-x86-64.so.2": "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"},
			"usr/lib/x86_64-linux-gnu"},
		{"fedora", []string{"usr/lib64/libc.so.6", "usr/lib64/ld-linux-x86-64.so.2", "usr/lib64/libcurl.so.4"},
			map[string]string{"lib64": "usr/lib64", "lib": "usr/lib"},
			"usr/lib64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, err := filepath.EvalSymlinks(t.TempDir())
			require.NoError(t, err)
			for _, f := range tc.files {
				writeFile(t, filepath.Join(root, f), []byte("x"))
			}
			require.NoError(t, os.MkdirAll(filepath.Join(root, "usr/lib"), 0o755))
			for link, target := range tc.links {
				require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, link)), 0o755))
				require.NoError(t, os.Symlink(target, filepath.Join(root, link)))
			}
			want := filepath.Join(root, tc.want)
			for _, interp := range []string{"", filepath.Join(root, "lib64/ld-linux-x86-64.so.2")} {
				dir, ok := SystemLibcDir(root, interp, true)
				require.True(t, ok, interp)
				real, err := filepath.EvalSymlinks(dir)
				require.NoError(t, err)
				assert.Equal(t, want, real, "interpreter %q", interp)
			}
			// A foreign interpreter with no libc.so.6 beside it: none.
			writeFile(t, filepath.Join(root, "opt/cross/ld.so.1"), []byte("x"))
			_, ok := SystemLibcDir(root, filepath.Join(root, "opt/cross/ld.so.1"), false)
			assert.False(t, ok)

			// NewTarget finds the same without a libc directory given, and
			// takes glibc's names only from it.
			got, err := NewTarget(TargetSpec{Root: root, SystemLibc: true})
			require.NoError(t, err)
			real, err := filepath.EvalSymlinks(got.LibcDir)
			require.NoError(t, err)
			assert.Equal(t, want, real)
			require.NotNil(t, got.LibcNames)
			assert.False(t, got.LibcNames("libcurl.so.4"))
		})
	}
}
