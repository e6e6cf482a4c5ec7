package linkcheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
)

// TestLoaderSearchOrder lays out prog → libfoo.so → libbar.so → libbaz.so
// with different RPATH/RUNPATH settings and checks two things per layout:
// what Check reports, and that Check's verdict is the real loader's (the
// program runs exactly when Check finds nothing).
func TestLoaderSearchOrder(t *testing.T) {
	bin := compiled(t)
	type layout map[string][]byte // path under root → bytes
	std := func(t *testing.T, progPath string, prog []byte) layout {
		return layout{
			progPath:            prog,
			"app/lib/libfoo.so": bin["libfoo.so"],
			"app/lib/libbar.so": bin["libbar.so"],
			"app/lib/libbaz.so": bin["libbaz.so"],
		}
	}
	tests := []struct {
		name  string
		files func(t *testing.T) layout
		links map[string]string // symlink → target
		check string            // the path checked, under root
		libs  []string          // --libs, under root
		env   []string          // for the real run: --libs as LD_LIBRARY_PATH
		want  []string          // errors, see problems()
	}{
		{
			name: "RPATH of the program serves the libraries' dependencies",
			files: func(t *testing.T) layout {
				return std(t, "app/bin/prog", paths(t, bin["prog"], "$ORIGIN/../lib", true))
			},
			want: []string{},
		},
		{
			name: "RUNPATH of the program does not",
			files: func(t *testing.T) layout {
				return std(t, "app/bin/prog", paths(t, bin["prog"], "$ORIGIN/../lib", false))
			},
			want: []string{"missing-library $ROOT/app/lib/libfoo.so libbar.so"},
		},
		{
			name: "a library with a RUNPATH does not inherit the program's RPATH",
			files: func(t *testing.T) layout {
				l := std(t, "app/bin/prog", paths(t, bin["prog"], "$ORIGIN/../lib", true))
				l["app/lib/libfoo.so"] = paths(t, bin["libfoo.so"], "/nonexistent", false)
				return l
			},
			want: []string{"missing-library $ROOT/app/lib/libfoo.so libbar.so"},
		},
		{
			name: "RPATH is inherited over two levels, past a library without one",
			files: func(t *testing.T) layout {
				return layout{
					"app/bin/prog":       paths(t, bin["prog"], "$ORIGIN/../lib:$ORIGIN/../deep", true),
					"app/lib/libfoo.so":  bin["libfoo.so"],
					"app/lib/libbar.so":  bin["libbar.so"],
					"app/deep/libbaz.so": bin["libbaz.so"],
				}
			},
			want: []string{},
		},
		{
			name: "a library's own RPATH serves its dependencies too",
			files: func(t *testing.T) layout {
				return layout{
					"app/bin/prog":       paths(t, bin["prog"], "$ORIGIN/../lib", true),
					"app/lib/libfoo.so":  bin["libfoo.so"],
					"app/lib/libbar.so":  paths(t, bin["libbar.so"], "$ORIGIN/../deep", true),
					"app/deep/libbaz.so": bin["libbaz.so"],
				}
			},
			want: []string{},
		},
		{
			name: "the loader does not look next to the program",
			files: func(t *testing.T) layout {
				return layout{"app/bin/prog": bin["prog"], "app/bin/libfoo.so": bin["libfoo.so"]}
			},
			want: []string{"missing-library app/bin/prog libfoo.so"},
		},
		{
			name: "$ORIGIN chains through RUNPATHs, ${ORIGIN} too",
			files: func(t *testing.T) layout {
				return layout{
					"app/bin/prog":          paths(t, bin["prog"], "$ORIGIN/../lib", false),
					"app/lib/libfoo.so":     paths(t, bin["libfoo.so"], "$ORIGIN/sub", false),
					"app/lib/sub/libbar.so": paths(t, bin["libbar.so"], "${ORIGIN}/../../deep", false),
					"app/deep/libbaz.so":    bin["libbaz.so"],
				}
			},
			want: []string{},
		},
		{
			name: "a library the program loaded first serves a later need by name",
			files: func(t *testing.T) layout {
				prog, _, err := elf.Apply(paths(t, bin["prog"], "$ORIGIN/../lib:$ORIGIN/../other", false),
					elf.Edit{AddNeeded: []string{"libbar.so"}})
				require.NoError(t, err)
				return layout{
					"app/bin/prog":        prog,
					"app/lib/libfoo.so":   bin["libfoo.so"],
					"app/lib/libbar.so":   bin["libbar.so"],
					"app/other/libbaz.so": bin["libbaz.so"],
				}
			},
			// libbar.so's own need, libbaz.so, has no RUNPATH to use.
			want: []string{"missing-library $ROOT/app/lib/libbar.so libbaz.so"},
		},
		{
			name: "$ORIGIN of a program is the directory of its real path",
			files: func(t *testing.T) layout {
				return std(t, "app/real/x/prog", paths(t, bin["prog"], "$ORIGIN/../../lib", false))
			},
			links: map[string]string{"app/bin/prog": "../real/x/prog"},
			check: "app/bin/prog",
			want:  []string{"missing-library $ROOT/app/lib/libfoo.so libbar.so"},
		},
		{
			name: "--libs stand in for LD_LIBRARY_PATH",
			files: func(t *testing.T) layout {
				return std(t, "app/bin/prog", bin["prog"])
			},
			libs: []string{"app/lib"},
			env:  []string{"LD_LIBRARY_PATH=$ROOT/app/lib"},
			want: []string{},
		},
		{
			name: "a --libs file offers its own name only",
			files: func(t *testing.T) layout {
				return std(t, "app/bin/prog", paths(t, bin["prog"], "$ORIGIN/../lib", false))
			},
			libs: []string{"app/lib/libbar.so", "app/lib/libfoo.so"},
			env:  []string{"LD_LIBRARY_PATH=$ROOT/app/none"},
			want: []string{"missing-library $ROOT/app/lib/libbar.so libbaz.so"},
		},
		{
			name: "nothing found without paths",
			files: func(t *testing.T) layout {
				return std(t, "app/bin/prog", bin["prog"])
			},
			want: []string{"missing-library app/bin/prog libfoo.so"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := tempRoot(t)
			for name, data := range tc.files(t) {
				put(t, filepath.Join(root, name), data)
			}
			for link, target := range tc.links {
				require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, link)), 0o755))
				require.NoError(t, os.Symlink(target, filepath.Join(root, link)))
			}
			check := tc.check
			if check == "" {
				check = "app/bin/prog"
			}
			t.Chdir(root)
			rep, err := Check(context.Background(), Config{Paths: []string{check}, Libs: tc.libs})
			require.NoError(t, err)
			assert.Equal(t, tc.want, problems(rep, Error, root))

			var env []string
			for _, e := range tc.env {
				env = append(env, replaceRoot(e, root))
			}
			ok, out := runs(t, filepath.Join(root, check), env...)
			assert.Equal(t, rep.OK(), ok, "check and the real loader disagree; the run:\n%s", out)
		})
	}
}

func replaceRoot(s, root string) string { return strings.ReplaceAll(s, "$ROOT", root) }
