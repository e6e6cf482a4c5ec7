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
