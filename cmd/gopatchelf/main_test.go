package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The list of commands grows as subcommands are added, so the top-level
// usage is checked for its shape rather than against a golden file.
func TestTopLevel(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		toStdout bool
		errLine  string
	}{
		{nil, exitUsage, false, ""},
		{[]string{"help"}, exitOK, true, ""},
		{[]string{"--help"}, exitOK, true, ""},
		{[]string{"frobnicate"}, exitUsage, false, `gopatchelf: error: unknown command "frobnicate"`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr)
		assert.Equal(t, tc.code, code, "%q", tc.args)
		usage, other := stderr.String(), stdout.String()
		if tc.toStdout {
			usage, other = other, usage
		}
		assert.Empty(t, other, "%q", tc.args)
		assert.True(t, strings.HasPrefix(usage, "usage: gopatchelf <command> [arguments]\n"), usage)
		assert.Contains(t, usage, "\n  auto       patch ELF files the way nixpkgs' auto-patchelf does")
		if tc.errLine != "" {
			assert.True(t, strings.HasSuffix(usage, "\n"+tc.errLine+"\n"), usage)
		}
	}
}

func TestCommandsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range commands() {
		assert.False(t, seen[c.name], c.name)
		seen[c.name] = true
		assert.NotNil(t, c.run, c.name)
	}
}

func TestThreads(t *testing.T) {
	for _, tc := range []struct {
		cores      string
		gomaxprocs int
		want       int
	}{
		{"", 8, 8},     // outside Nix: GOMAXPROCS
		{"0", 8, 8},    // Nix's "all cores"
		{"2", 8, 2},    // the build's share
		{"16", 8, 8},   // never more than the CPUs we have
		{"1", 1, 1},    //
		{"-3", 4, 4},   // not a count
		{"four", 4, 4}, //
	} {
		assert.Equal(t, tc.want, threads(tc.cores, tc.gomaxprocs), "NIX_BUILD_CORES=%q GOMAXPROCS=%d", tc.cores, tc.gomaxprocs)
	}
}
