package linkcheck

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// TestArches checks the transitive fixtures of all seven arches against
// the arch's Debian sysroot (Config.Sysroot, as qemu-user -L), where the
// interpreter is and the loader's own default directories are searched: unpatched, libfoo.so is missing; with RUNPATHs set, the tree
// is clean, including the glibc versions each file needs from the
// sysroot's libc; and the program then runs.
func TestArches(t *testing.T) {
	for _, a := range elftest.Arches() {
		t.Run(a.Name, func(t *testing.T) {
			sysroot := a.Sysroot()
			if _, err := os.Stat(filepath.Join(sysroot, "lib", "libc.so.6")); err != nil && a.GOARCH != "amd64" {
				elftest.Unavailable(t, "%s: no libc in %s", a.Name, sysroot)
			}
			cfg := func(root string) Config {
				c := Config{Paths: []string{filepath.Join(root, "out")}}
				if a.GOARCH != "amd64" {
					c.Sysroot = sysroot // as qemu-user -L
				}
				return c
			}
			root := tempRoot(t)
			fx := func(name string) []byte { return fixtureBytes(t, a.Name+"/transitive/"+name) }
			put(t, filepath.Join(root, "out/bin/prog"), fx("prog"))
			put(t, filepath.Join(root, "out/lib/libfoo.so"), fx("libfoo.so"))
			put(t, filepath.Join(root, "out/lib/libbar.so"), fx("libbar.so"))

			rep, err := Check(context.Background(), cfg(root))
			require.NoError(t, err)
			assert.Equal(t, []string{
				"missing-library $ROOT/out/bin/prog libfoo.so",
				"missing-library $ROOT/out/lib/libfoo.so libbar.so",
			}, problems(rep, Error, root))

			put(t, filepath.Join(root, "out/bin/prog"), paths(t, fx("prog"), "$ORIGIN/../lib", false))
			put(t, filepath.Join(root, "out/lib/libfoo.so"), paths(t, fx("libfoo.so"), "$ORIGIN", false))
			rep, err = Check(context.Background(), cfg(root))
			require.NoError(t, err)
			assert.Equal(t, []string{}, problems(rep, Error, root))
			assert.Equal(t, []string{}, problems(rep, Warning, root))
			for _, f := range rep.Files {
				assert.NotEmpty(t, f.Deps, f.Path)
				for _, d := range f.Deps {
					assert.NotEmpty(t, d.Path, "%s: %s", f.Path, d.Name)
					if d.Name == "libc.so.6" && a.GOARCH != "amd64" {
						assert.Equal(t, "/lib/libc.so.6", d.Path, "as the loader sees it")
					}
				}
			}
			elftest.NewRunner(t, a).RunOK(t, nil, filepath.Join(root, "out/bin/prog"))
		})
	}
}
