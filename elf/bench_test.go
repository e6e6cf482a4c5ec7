package elf_test

// Benchmarks on real system libraries, found at run time: run them with
//
//	go test ./elf/ -run '^$' -bench . -benchmem
//
// BenchmarkSetRunpathFiles compares gopatchelf's whole per-file path (open,
// parse, plan, copy to a temporary file, patch, fsync, rename) with one
// `patchelf --set-rpath` process per file, on the same copies, in one run.
// GOPATCHELF_BENCH_FILES sets how many copies (default 20).

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// benchLibNames are the sonames of libraries a Debian machine almost always
// has, largest last; the authentik build patches extensions needing them.
var benchLibNames = []string{"libz.so.1", "libssl.so.3", "libcrypto.so.3", "libstdc++.so.6"}

// benchRunpath is as long as a typical Nix RUNPATH of two store paths, so
// that it does not fit in the libraries' .dynstr and a segment is appended.
const benchRunpath = "/nix/store/0c6f5cl6xbbc9s5rp1a1w3jl5vb8m4f9-openssl-3.3.2/lib:" +
	"/nix/store/yzbwl5m9sibvvq7r7bj4dwpn4r1cfdgq-zlib-1.3.1/lib"

// systemLibs returns the paths of the benchLibNames present in the
// machine's multiarch library directory (symlinks resolved), skipping the
// benchmark when there is none.
func systemLibs(b *testing.B) []string {
	b.Helper()
	var found []string
	for _, name := range benchLibNames {
		matches, _ := filepath.Glob(filepath.Join("/usr/lib", "*-linux-gnu*", name))
		for _, m := range matches {
			if real, err := filepath.EvalSymlinks(m); err == nil {
				found = append(found, real)
				break
			}
		}
	}
	if len(found) == 0 {
		b.Skipf("none of %v under /usr/lib/*-linux-gnu*", benchLibNames)
	}
	return found
}

// largestLib returns the contents and path of the largest library found.
func largestLib(b *testing.B) ([]byte, string) {
	b.Helper()
	var data []byte
	var path string
	for _, p := range systemLibs(b) {
		d, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if len(d) > len(data) {
			data, path = d, p
		}
	}
	return data, path
}

func BenchmarkNewFile(b *testing.B) {
	data, path := largestLib(b)
	b.Logf("%s, %d bytes", path, len(data))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := elf.NewFile(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanBytes(b *testing.B) {
	data, path := largestLib(b)
	f, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	e := elf.Edit{SetRunpath: true, Runpath: benchRunpath}
	b.Logf("%s, %d bytes", path, len(data))
	b.ReportAllocs()
	for b.Loop() {
		p, err := f.Plan(e)
		if err != nil {
			b.Fatal(err)
		}
		if p.IsEmpty() {
			b.Fatal("empty patch")
		}
		_ = p.Bytes(data)
	}
}

// benchFiles is how many copies BenchmarkSetRunpathFiles patches per
// iteration.
func benchFiles(b *testing.B) int {
	b.Helper()
	v := os.Getenv("GOPATCHELF_BENCH_FILES")
	if v == "" {
		return 20
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("GOPATCHELF_BENCH_FILES=%q: want a positive number", v)
	}
	return n
}

// corpus is N copies of system libraries in one directory, restorable to
// their original bytes between iterations.
type corpus struct {
	paths []string
	orig  [][]byte
}

func newCorpus(b *testing.B, n int) *corpus {
	b.Helper()
	libs := systemLibs(b)
	dir := b.TempDir()
	c := &corpus{}
	for i := range n {
		src := libs[i%len(libs)]
		data, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		c.paths = append(c.paths, filepath.Join(dir, strconv.Itoa(i)+"-"+filepath.Base(src)))
		c.orig = append(c.orig, data)
	}
	c.reset(b)
	return c
}

func (c *corpus) reset(b *testing.B) {
	b.Helper()
	for i, p := range c.paths {
		if err := os.WriteFile(p, c.orig[i], 0o755); err != nil {
			b.Fatal(err)
		}
	}
}

// checkPatched fails the benchmark unless every file now has the RUNPATH,
// so that neither side is measured doing nothing.
func (c *corpus) checkPatched(b *testing.B) {
	b.Helper()
	for _, p := range c.paths {
		f, err := elf.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		rp := f.Runpath
		f.Close()
		if rp != benchRunpath {
			b.Fatalf("%s: RUNPATH %q after the run, want %q", p, rp, benchRunpath)
		}
	}
}

// setRunpath is gopatchelf's per-file path: parse, plan, and write the
// patched copy atomically next to the original.
func setRunpath(path, runpath string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := f.Plan(elf.Edit{SetRunpath: true, Runpath: runpath})
	if err != nil || p.IsEmpty() {
		return err
	}
	return atomicfile.ReplaceCopy(path, func(tmp *os.File) error { return p.ApplyTo(tmp) })
}

func BenchmarkSetRunpathFiles(b *testing.B) {
	n := benchFiles(b)
	// Each tool's setup returns what it does to one file.
	tools := []struct {
		name  string
		setup func(b *testing.B) func(path string)
	}{
		{"gopatchelf", func(b *testing.B) func(string) {
			return func(path string) {
				if err := setRunpath(path, benchRunpath); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"patchelf", func(b *testing.B) func(string) {
			patchelf := elftest.LookPath(b, "patchelf")
			return func(path string) {
				out, err := exec.Command(patchelf, "--set-rpath", benchRunpath, path).CombinedOutput()
				if err != nil {
					b.Fatalf("patchelf %s: %v: %s", path, err, strings.TrimSpace(string(out)))
				}
			}
		}},
	}
	for _, tool := range tools {
		b.Run(tool.name, func(b *testing.B) {
			run := tool.setup(b)
			c := newCorpus(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i > 0 {
					b.StopTimer()
					c.reset(b)
					b.StartTimer()
				}
				for _, p := range c.paths {
					run(p)
				}
			}
			b.StopTimer()
			c.checkPatched(b)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/file")
		})
	}
}
