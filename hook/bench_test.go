package hook

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// cpuClock adds up the CPU time (user and system, all threads) the process
// spends between start and stop, so that a benchmark can report it per
// operation beside ns/op: on a loaded machine wall time is noisy, and a
// change that trades CPU for parallelism shows only here.
type cpuClock struct {
	total, at time.Duration
}

func cpuNow(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (c *cpuClock) start(b *testing.B) { c.at = cpuNow(b) }
func (c *cpuClock) stop(b *testing.B)  { c.total += cpuNow(b) - c.at }

func (c *cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(c.total.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

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
		var cpu cpuClock
		for b.Loop() {
			b.StopTimer()
			root, err := os.MkdirTemp(b.TempDir(), "tree")
			if err != nil {
				b.Fatal(err)
			}
			makeTree(b, root, files, order)
			b.StartTimer()
			cpu.start(b)
			run(b, root)
			cpu.stop(b)
		}
		cpu.report(b)
	})
	b.Run("second", func(b *testing.B) {
		root := b.TempDir()
		makeTree(b, root, files, order)
		run(b, root)
		var cpu cpuClock
		cpu.start(b)
		for b.Loop() {
			run(b, root)
		}
		cpu.stop(b)
		cpu.report(b)
	})
}

// BenchmarkWalk lists a tree of 50 directories of 100 files each, as the
// patch phase does.
func BenchmarkWalk(b *testing.B) {
	root := b.TempDir()
	for d := range 50 {
		dir := filepath.Join(root, fmt.Sprintf("pkg%02d", d))
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := range 100 {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("mod%03d.py", f)), nil, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	r := newRunner(Config{Paths: []string{root}})
	b.ReportAllocs()
	var cpu cpuClock
	cpu.start(b)
	for b.Loop() {
		n := 0
		for range r.patchList() {
			n++
		}
		if n != 5000 {
			b.Fatalf("walked %d files, want 5000", n)
		}
	}
	cpu.stop(b)
	cpu.report(b)
}

// BenchmarkOpenELF is the cost of meeting one file: the magic check of a
// file that is not ELF, and the parse of an extension module.
func BenchmarkOpenELF(b *testing.B) {
	dir := b.TempDir()
	py := filepath.Join(dir, "module.py")
	if err := os.WriteFile(py, []byte("import os\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	so := filepath.Join(dir, "_ext.so")
	if err := os.WriteFile(so, fixture(b, "x86_64/transitive/libfoo.so"), 0o755); err != nil {
		b.Fatal(err)
	}
	r := newRunner(Config{Paths: []string{dir}})
	b.Run("not-elf", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.openELF(py); err == nil {
				b.Fatal("a .py file parsed as ELF")
			}
		}
	})
	b.Run("elf", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := r.openELF(so)
			if err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}
