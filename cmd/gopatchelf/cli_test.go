package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	assert.NoError(t, badInput([]string{dir, file}, "--paths", wantAny))
	assert.EqualError(t, badInput([]string{dir, dir + "/gone"}, "--paths", wantAny),
		"--paths "+dir+"/gone: no such file or directory")
	assert.EqualError(t, badInput([]string{file}, "--libc-dir", wantDir), "--libc-dir "+file+": not a directory")
	assert.EqualError(t, badInput([]string{dir}, "--interpreter", wantFile), "--interpreter "+dir+": is a directory")
}

func TestVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/gopatchelf/gopatchelf", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "c993939"}, {Key: "vcs.time", Value: "2026-11-25T20:32:54Z"},
			{Key: "vcs.modified", Value: "true"}}}
	assert.Equal(t, "gopatchelf v0.3.0\nrevision c993939 (modified) 2026-11-25T20:32:54Z\nbuilt with go1.26.0\n", versionText(bi, true))
	bi.Settings = nil
	assert.Equal(t, "gopatchelf v0.3.0\nrevision unknown (built without VCS information)\nbuilt with go1.26.0\n", versionText(bi, true))
	assert.Equal(t, "gopatchelf (unknown version: built without module support)\n", versionText(nil, false))

	for _, args := range [][]string{{"--version"}, {"version"}} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
		assert.Equal(t, exitOK, code)
		assert.True(t, strings.HasPrefix(stdout.String(), "gopatchelf "), stdout.String())
		assert.Contains(t, stdout.String(), "\nrevision ")
		assert.Empty(t, stderr.String())
	}
}

// "gopatchelf help CMD" prints exactly what "gopatchelf CMD --help" does.
func TestHelpCommand(t *testing.T) {
	for _, c := range commands() {
		var viaHelp, viaFlag, e1, e2 bytes.Buffer
		c1 := run(context.Background(), []string{"help", c.name}, strings.NewReader(""), &viaHelp, &e1)
		c2 := run(context.Background(), []string{c.name, "--help"}, strings.NewReader(""), &viaFlag, &e2)
		assert.Equal(t, exitOK, c1, c.name)
		assert.Equal(t, c2, c1, c.name)
		assert.Equal(t, viaFlag.String(), viaHelp.String(), c.name)
		assert.Equal(t, e2.String(), e1.String(), c.name) // patchelf prints its help on stderr, as patchelf does
		assert.NotEmpty(t, viaHelp.String()+e1.String(), c.name)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"help", "frob"}, strings.NewReader(""), &stdout, &stderr)
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "gopatchelf help: unknown command \"frob\" (see gopatchelf --help)\n", stderr.String())
}

// TestHelpGolden: the --help of every subcommand, and the top-level
// usage, as testdata/help/<name>.txt (go test -run TestHelpGolden -update
// rewrites them; review the diff).
func TestHelpGolden(t *testing.T) {
	cases := map[string][]string{"gopatchelf": {"--help"}}
	for _, c := range commands() {
		cases[c.name] = []string{c.name, "--help"}
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, args...)
			got := formatGolden(code, stdout, stderr, "/nonexistent-root")
			path := filepath.Join("testdata", "help", name+".txt")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got)
		})
	}
}

// -v/--verbose prints auto's debug lines (never printed before issue 13),
// which are off by default.
func TestAutoVerbose(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	goldenTree(t, root)
	t.Chdir(root)
	t.Setenv("NIX_BINTOOLS", root+"/bintools")
	args := []string{"auto", "--paths", "out", "--libs", "store/bar/lib", "store/pq/lib", "--dry-run"}
	code, _, stderr := runCmd(t, args...)
	require.Equal(t, exitOK, code, stderr)
	assert.NotContains(t, stderr, "debug:")
	for _, v := range []string{"-v", "--verbose"} {
		code, stdout, stderr := runCmd(t, append(args, v)...)
		require.Equal(t, exitOK, code, stderr)
		assert.Contains(t, stderr, "gopatchelf: debug: index built (libraries=")
		assert.Contains(t, stderr, "gopatchelf: debug: libc directory (dir="+root+"/glibc/lib)")
		assert.NotContains(t, stdout, "debug:", "debug lines stay off stdout")
	}
}

// --page-size 0x1000 is a number wherever a page size is taken.
func TestPageSizeHex(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	goldenTree(t, root)
	t.Chdir(root)
	t.Setenv("NIX_BINTOOLS", root+"/bintools")
	code, _, stderr := runCmd(t, "auto", "--paths", "out", "--libs", "store/bar/lib", "store/pq/lib", "--dry-run",
		"--extra-args", "--page-size", "0x1000")
	assert.Equal(t, exitOK, code, stderr)
	code, _, stderr = runCmd(t, "patchelf", "--page-size", "0x1000", "--print-soname", "out/lib/libfoo.so")
	assert.Equal(t, exitOK, code, stderr)
}
