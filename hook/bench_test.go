package hook

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkRun patches a tree shaped like a site-packages: 200 extension
// modules needing a library from a store dir, and a program. Each
// iteration patches a fresh copy (made with the timer stopped); the
// second-run case measures a run that finds nothing to write.
func BenchmarkRun(b *testing.B) {
	files := siteTree(b)
	for i := range 200 {
		files[fmt.Sprintf("out/lib/python3.14/site-packages/pkg%03d/_ext.cpython-314-x86_64-linux-gnu.so", i)] =
			bin(fixture(b, "x86_64/transitive/libfoo.so"))
	}
	order := sortedNames(files)
	cfg := siteConfig()
	cfg.Paths = nil
	cfg.Libs = nil

	run := func(b *testing.B, root string) {
		c := cfg
		c.Paths = []string{filepath.Join(root, "out")}
		c.Libs = []string{filepath.Join(root, "store/bar/lib")}
		c.LibcDir = filepath.Join(root, "libc/lib")
		if _, err := Run(context.Background(), c); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			root, err := os.MkdirTemp(b.TempDir(), "tree")
			if err != nil {
				b.Fatal(err)
			}
			makeTree(b, root, files, order)
			b.StartTimer()
			run(b, root)
		}
	})
	b.Run("second", func(b *testing.B) {
		root := b.TempDir()
		makeTree(b, root, files, order)
		run(b, root)
		for b.Loop() {
			run(b, root)
		}
	})
}
