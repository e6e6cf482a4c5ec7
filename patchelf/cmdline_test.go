package patchelf

import (
	stdelf "debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseArgs: patchelf's command line read into Args, as patchelf's
// main reads it; the texts of its errors.
func TestParseArgs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	rpathFile := write("rpath", "/from/a/file\n")
	symbols := write("map", "a b\nc d extra\n\nignored after a blank line\n")
	noEnv := func(string) string { return "" }
	nix := func(k string) string {
		return map[string]string{"NIX_BUILD_TOP": "/build", DebugEnv: "1"}[k]
	}
	want := func(edit func(a *Args)) *Args {
		a := &Args{Options: Options{ReplaceNeeded: map[string]string{}}}
		edit(a)
		return a
	}
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want *Args
		err  string
	}{
		{"file only", []string{"f"}, noEnv, want(func(a *Args) { a.Files = []string{"f"} }), ""},
		{"nil environment", []string{"f"}, nil, want(func(a *Args) { a.Files = []string{"f"} }), ""},
		{"in a Nix build", []string{"f"}, nix, want(func(a *Args) {
			a.Files, a.NoSync, a.InPlace, a.Debug = []string{"f"}, true, true, true
		}), ""},
		{"--write wins over the Nix build", []string{"--write", "atomic", "f"}, nix, want(func(a *Args) {
			a.Files, a.NoSync, a.Debug = []string{"f"}, true, true
		}), ""},
		{"options in any order, later values win", []string{"a", "--set-rpath", "/x", "b", "--set-rpath", "/y", "--debug"}, noEnv,
			want(func(a *Args) { a.Files, a.SetRpath, a.Rpath, a.Debug = []string{"a", "b"}, true, "/y", true }), ""},
		{"@FILE is read verbatim", []string{"--add-rpath", "@" + rpathFile, "f"}, noEnv,
			want(func(a *Args) { a.Files, a.AddRpath, a.Rpath = []string{"f"}, true, "/from/a/file\n" }), ""},
		{"needed lists", []string{"--add-needed", "x", "--add-needed", "y", "--remove-needed", "z", "--replace-needed", "o", "n", "f"}, noEnv,
			want(func(a *Args) {
				a.Files, a.AddNeeded, a.RemoveNeeded = []string{"f"}, []string{"x", "y"}, []string{"z"}
				a.ReplaceNeeded["o"] = "n"
			}), ""},
		{"page size: number, then atoi", []string{"--page-size", "0x4000", "--page-size", " 65536kb", "f"}, noEnv,
			want(func(a *Args) { a.Files, a.PageSize = []string{"f"}, 65536 }), ""},
		{"os abi and soname", []string{"--set-os-abi", "FreeBSD", "--set-soname", "libx.so.1", "f"}, noEnv,
			want(func(a *Args) {
				a.Files, a.SetOSABI, a.OSABI, a.SetSoname, a.Soname = []string{"f"}, true, stdelf.ELFOSABI_FREEBSD, true, "libx.so.1"
			}), ""},
		{"shrink with prefixes", []string{"--shrink-rpath", "--allowed-rpath-prefixes", "/nix/store:/opt", "f"}, noEnv,
			want(func(a *Args) {
				a.Files, a.ShrinkRpath, a.AllowedPrefixes = []string{"f"}, true, []string{"/nix/store", "/opt"}
			}), ""},
		{"symbol map", []string{"--rename-dynamic-symbols", symbols, "f"}, noEnv,
			want(func(a *Args) { a.Files, a.RenameSymbols = []string{"f"}, map[string]string{"a": "b", "c": "d"} }), ""},
		{"help ends the parse", []string{"--frob", "-h", "--page-size"}, noEnv, nil, ErrHelp.Error()},
		{"version", []string{"--version"}, noEnv, nil, ErrVersion.Error()},
		{"no file", []string{"--print-rpath"}, noEnv, nil, "missing filename"},
		{"missing argument", []string{"f", "--set-rpath"}, noEnv, nil, "missing argument"},
		{"replace-needed needs two", []string{"f", "--replace-needed", "a"}, noEnv, nil, "missing argument(s)"},
		{"output with two files", []string{"--output", "o", "a", "b"}, noEnv, nil, "--output option only allowed with single input file"},
		{"set and add", []string{"--set-rpath", "a", "--add-rpath", "b", "f"}, noEnv, nil, "--set-rpath option not allowed with --add-rpath"},
		{"cache and force", []string{"--force-rpath", "--build-resolution-cache", "f"}, noEnv, nil,
			"--build-resolution-cache cannot be combined with --force-rpath"},
		{"bad os abi", []string{"--set-os-abi", "plan9", "f"}, noEnv, nil, "unrecognized OS ABI"},
		{"page size 0", []string{"--page-size", "0", "f"}, noEnv, nil, "invalid argument to --page-size"},
		{"negative page size", []string{"--page-size", "-4096", "f"}, noEnv, nil, "invalid argument to --page-size"},
		{"bad write mode", []string{"--write", "inplace", "f"}, noEnv, nil,
			"--write: invalid choice: 'inplace' (choose from 'auto', 'in-place', 'atomic')"},
		{"empty soname", []string{"--set-soname", "", "f"}, noEnv, nil, "--set-soname: an empty SONAME is not supported"},
		{"missing @FILE", []string{"--set-rpath", "@" + filepath.Join(dir, "nope"), "f"}, noEnv, nil,
			"getting info about '" + filepath.Join(dir, "nope") + "': No such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseArgs(tt.args, tt.env)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAtoi(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
	}{{"4096", 4096}, {" 65536kb", 65536}, {"+8", 8}, {"-4096", 0}, {"x", 0}, {"", 0}} {
		assert.Equal(t, tc.want, atoi(tc.in), "%q", tc.in)
	}
}

func TestReadSymbolMap(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	m := map[string]string{}
	require.NoError(t, ReadSymbolMap(write("ok", "a b\n  c\td  e\n\nx y\n"), m))
	assert.Equal(t, map[string]string{"a": "b", "c": "d"}, m)

	for _, tc := range []struct{ name, text, err string }{
		{"one", "k l\nc\n", ":2: Map file line is missing the second element"},
		{"twice", "p q\np r\n", ":2: Name 'p' appears twice in the map file"},
		{"again", "a z\n", ":1: Name 'a' appears twice in the map file"}, // in a map file read before
		{"at", "puts puts@GLIBC_2.2.5\n", ":1: Name pair contains version tag: puts puts@GLIBC_2.2.5"},
	} {
		p := write(tc.name, tc.text)
		err := ReadSymbolMap(p, map[string]string{"a": "b"})
		assert.EqualError(t, err, p+tc.err, tc.name)
	}
	err := ReadSymbolMap(filepath.Join(dir, "nope"), m)
	assert.EqualError(t, err, "Cannot open map file "+filepath.Join(dir, "nope")+": No such file or directory")
}

func TestPrintedString(t *testing.T) {
	assert.Equal(t, "execstack: X", Printed{What: PrintExecstack, Value: "X"}.String())
	assert.Equal(t, "/lib64/ld-linux-x86-64.so.2", Printed{What: PrintInterpreter, Value: "/lib64/ld-linux-x86-64.so.2"}.String())
}

func TestWriteHelp(t *testing.T) {
	var b strings.Builder
	require.NoError(t, WriteHelp(&b, "patchelf"))
	assert.True(t, strings.HasPrefix(b.String(), "syntax: patchelf\n  [--set-interpreter FILENAME]\n"), b.String())
	for _, opt := range []string{"--set-rpath", "--replace-needed", "--rename-dynamic-symbols", "--write", "--version"} {
		assert.Contains(t, b.String(), "["+opt)
	}
}
