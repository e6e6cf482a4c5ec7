package hook

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// Every fixture program of every architecture, patched by the hook with
// its libraries in the tree and a dynamic loader at a longer path, still
// runs (natively or under qemu-user), finding its libraries only through
// the RUNPATH written; every file written passes elftest.Validate. Static
// programs are skipped untouched; the program that carries a payload past
// its ELF contents is patched with the payload kept at the end, and finds it.
func TestEveryArchRunsAfterPatching(t *testing.T) {
	all := elftest.Fixtures(t)
	progs := elftest.Select(all, func(f elftest.Fixture) bool { return f.Name == "prog" })
	require.NotEmpty(t, progs)
	for _, p := range progs {
		t.Run(p.ID(), func(t *testing.T) {
			t.Parallel()
			root := realTemp(t)
			bindir, libdir := filepath.Join(root, "out/bin"), filepath.Join(root, "out/lib")
			require.NoError(t, os.MkdirAll(bindir, 0o755))
			require.NoError(t, os.MkdirAll(libdir, 0o755))
			prog := p.CopyTo(t, bindir)
			p.CopyDeps(t, all, libdir)
			libc := filepath.Join(root, "libc")
			require.NoError(t, os.MkdirAll(libc, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(libc, "libc.so.6"), nil, 0o644))
			before := snapshot(t, root)

			static := p.Kind == elftest.StaticProgram
			var interp string
			if !static {
				interp = elftest.CopyLoader(t, p.Arch, len(p.Arch.Interp)+64)
			}
			target := resolver.Platform{Machine: p.Arch.Machine, Class: p.Arch.Class, Data: p.Arch.Data}
			_, rep, err := collect(t, Config{
				Paths: []string{filepath.Join(root, "out")}, Interpreter: interp, Target: target, LibcDir: libc,
			})
			after := snapshot(t, root)

			switch {
			case static:
				require.NoError(t, err)
				assert.Equal(t, Skipped, rep.Files[0].Outcome)
				assert.Equal(t, before, after)
				return
			}
			require.NoError(t, err)
			for name, data := range after {
				if string(before[name]) == string(data) {
					continue
				}
				assert.Empty(t, elftest.Validate(data), "%s", name)
			}
			facts, err := elftest.Inspect(after["out/bin/prog"])
			require.NoError(t, err)
			assert.Equal(t, interp, facts.Interp)
			assert.Equal(t, libdir, facts.RunPath)

			out := elftest.NewRunner(t, p.Arch).RunOK(t, nil, prog)
			assert.Equal(t, p.Output, out)
		})
	}
}
