package linkcheck

import (
	"context"
	stdelf "debug/elf"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/hook"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// TestPatchedTreeIsClean is the CI use of check (issue 6): an output
// whose libraries are in another "store" directory fails the check until
// it is patched, by `gopatchelf auto`'s hook or by setting RUNPATH with
// elf.Apply, and then passes — and the program runs.
func TestPatchedTreeIsClean(t *testing.T) {
	tests := []struct {
		name  string
		patch func(t *testing.T, root string)
	}{
		{name: "hook.Run", patch: func(t *testing.T, root string) {
			rep, err := hook.Run(context.Background(), hook.Config{
				Paths:         []string{filepath.Join(root, "out")},
				Libs:          []string{filepath.Join(root, "store/bar/lib")},
				IgnoreMissing: []string{"libc.so.6"},
				Target:        resolver.Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB},
			})
			require.NoError(t, err, "%+v", rep)
		}},
		{name: "elf.Apply", patch: func(t *testing.T, root string) {
			for file, runpath := range map[string]string{
				"out/bin/prog":      "$ORIGIN/../lib",
				"out/lib/libfoo.so": root + "/store/bar/lib",
			} {
				p := filepath.Join(root, file)
				put(t, p, paths(t, mustRead(t, p), runpath, false))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := tempRoot(t)
			put(t, filepath.Join(root, "out/bin/prog"), fixtureBytes(t, "x86_64/transitive/prog"))
			put(t, filepath.Join(root, "out/lib/libfoo.so"), fixtureBytes(t, "x86_64/transitive/libfoo.so"))
			put(t, filepath.Join(root, "store/bar/lib/libbar.so"), fixtureBytes(t, "x86_64/transitive/libbar.so"))
			cfg := Config{Paths: []string{filepath.Join(root, "out")}}

			rep, err := Check(context.Background(), cfg)
			require.NoError(t, err)
			assert.Equal(t, []string{
				"missing-library $ROOT/out/bin/prog libfoo.so",
				"missing-library $ROOT/out/lib/libfoo.so libbar.so",
			}, problems(rep, Error, root))
			assert.False(t, rep.OK())

			tc.patch(t, root)
			rep, err = Check(context.Background(), cfg)
			require.NoError(t, err)
			assert.Equal(t, []string{}, problems(rep, Error, root))
			assert.True(t, rep.OK())
			ok, out := runs(t, filepath.Join(root, "out/bin/prog"))
			assert.True(t, ok, out)
		})
	}
}
