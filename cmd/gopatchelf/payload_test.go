package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// TestPayloadKeptByCommands: `patchelf` and `auto` patch a program that
// reads data appended to its own file, say that the data was kept at the
// end, and the program still finds it.
func TestPayloadKeptByCommands(t *testing.T) {
	all := elftest.Fixtures(t)
	for _, fx := range elftest.Select(all, func(f elftest.Fixture) bool {
		return f.Payload > 0 && (f.Arch.Name == "x86_64" || f.Arch.Name == "aarch64")
	}) {
		t.Run(fx.ID(), func(t *testing.T) {
			runner := elftest.NewRunner(t, fx.Arch)
			cmds := []string{"patchelf"}
			if fx.Arch.GOARCH == runtime.GOARCH { // auto patches the host's arch
				cmds = append(cmds, "auto")
			}
			for _, cmd := range cmds {
				t.Run(cmd, func(t *testing.T) {
					dir := t.TempDir()
					libdir := filepath.Join(dir, "store", strings.Repeat("a-long-store-path-", 4)+"foo", "lib")
					require.NoError(t, os.MkdirAll(libdir, 0o755))
					fx.CopyDeps(t, all, libdir)
					out := filepath.Join(dir, "out", "bin")
					require.NoError(t, os.MkdirAll(out, 0o755))
					prog := fx.CopyTo(t, out)

					args := []string{"patchelf", "--set-rpath", libdir, prog}
					want := prog + ": kept the 38 bytes appended after the ELF contents at the end of the file\n"
					if cmd == "auto" {
						args = []string{"auto", "--paths", filepath.Join(dir, "out"), "--libs", libdir}
						want = "keeping the 38 bytes appended to " + prog + " at the end of the file\n"
					}
					var stdout, stderr bytes.Buffer
					code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
					require.Equal(t, 0, code, "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
					assert.Contains(t, stdout.String()+stderr.String(), want)

					data, err := os.ReadFile(prog)
					require.NoError(t, err)
					assert.Equal(t, "hello from the payloadPAYLOAD:00000022", string(data[len(data)-fx.Payload:]))
					assert.Equal(t, fx.Output, runner.RunOK(t, nil, prog))
				})
			}
		})
	}
}
