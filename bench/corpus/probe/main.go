// Command probe measures the floors gopatchelf auto is compared with, and
// profiles hook.Run in-process. It is part of the corpus benchmark
// (bench/corpus/run.sh), not of gopatchelf.
//
//	probe floor -level a|b|c [-j N] [-fsync=false] DIR...
//	    a: open every regular file and read its first 4 bytes
//	    b: a, and read every ELF file completely
//	    c: b, and rewrite every ELF file through a temporary file in the
//	       same directory (fsync, then rename), as gopatchelf does
//	probe auto [-cpuprofile F] [-memprofile F] [-j N] [-dry-run] [-fsync=false] [-write atomic|in-place] -paths DIR -libs DIR:DIR:... [-libc-dir DIR]
//	    hook.Run over the tree, as `gopatchelf auto` would, with profiles
//
// Files are walked in sorted order, directories recursively, symlinks not
// followed; N workers (default GOMAXPROCS) handle the files.
package main

import (
	"bytes"
	"context"
	stdelf "debug/elf"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopatchelf/gopatchelf/hook"
	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/resolver"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "floor":
		err = floor(os.Args[2:])
	case "auto":
		err = auto(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: probe floor -level a|b|c [-j N] [-fsync=false] DIR...\n       probe auto [-cpuprofile F] [-memprofile F] -paths DIR -libs DIR:DIR:...")
	os.Exit(2)
}

func floor(args []string) error {
	fl := flag.NewFlagSet("floor", flag.ExitOnError)
	level := fl.String("level", "a", "a, b or c")
	jobs := fl.Int("j", runtime.GOMAXPROCS(0), "workers")
	doSync := fl.Bool("fsync", true, "level c: fsync each temporary file before the rename")
	fl.Parse(args)
	if fl.NArg() == 0 || !strings.Contains("abc", *level) || len(*level) != 1 {
		usage()
	}
	var files []string
	for _, root := range fl.Args() {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	start := time.Now()
	var elfs, bytesRead atomic.Int64
	work := make(chan string)
	errs := make(chan error, *jobs)
	var wg sync.WaitGroup
	for range *jobs {
		wg.Go(func() {
			for p := range work {
				isELF, n, err := floorFile(p, *level, *doSync)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				if isELF {
					elfs.Add(1)
				}
				bytesRead.Add(n)
			}
		})
	}
	for _, p := range files {
		work <- p
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Printf("floor %s: %d files, %d ELF, %d bytes read, %v\n", *level, len(files), elfs.Load(), bytesRead.Load(), time.Since(start).Round(time.Millisecond))
	return nil
}

// floorFile does one file's share of a floor and says whether it is ELF
// and how many bytes it read.
func floorFile(p, level string, doSync bool) (bool, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, 0, err
	}
	defer f.Close()
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	isELF := n == 4 && string(magic[:]) == stdelf.ELFMAG
	if level == "a" || !isELF {
		return isELF, int64(n), nil
	}
	st, err := f.Stat()
	if err != nil {
		return isELF, 0, err
	}
	data := make([]byte, st.Size())
	if _, err := f.ReadAt(data, 0); err != nil {
		return isELF, 0, err
	}
	if level == "b" {
		return isELF, int64(len(data)), nil
	}
	dir, base := filepath.Split(p)
	tmp, err := os.CreateTemp(dir, "."+base+".probe-*")
	if err != nil {
		return isELF, 0, err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, bytes.NewReader(data)); err != nil {
		tmp.Close()
		return isELF, 0, err
	}
	if doSync {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return isELF, 0, err
		}
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return isELF, 0, err
	}
	if err := tmp.Close(); err != nil {
		return isELF, 0, err
	}
	return isELF, int64(len(data)), os.Rename(tmp.Name(), p)
}

func auto(args []string) error {
	fl := flag.NewFlagSet("auto", flag.ExitOnError)
	cpu := fl.String("cpuprofile", "", "write a CPU profile here")
	mem := fl.String("memprofile", "", "write an allocation profile here")
	paths := fl.String("paths", "", "tree to patch")
	libs := fl.String("libs", "", "colon-separated library dirs")
	libc := fl.String("libc-dir", "", "libc directory")
	jobs := fl.Int("j", 0, "workers (0: GOMAXPROCS)")
	dry := fl.Bool("dry-run", false, "compute everything, write nothing")
	doSync := fl.Bool("fsync", true, "sync each rewritten file before its rename")
	write := fl.String("write", "atomic", "atomic or in-place")
	fl.Parse(args)
	if *paths == "" {
		usage()
	}
	inPlace, err := atomicfile.ParseWrite(*write, false)
	if err != nil {
		return err
	}
	cfg := hook.Config{
		Paths:         []string{*paths},
		Target:        resolver.Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB},
		LibcDir:       *libc,
		Workers:       *jobs,
		DryRun:        *dry,
		IgnoreMissing: []string{"*"},
		FS:            hook.OSFS{NoSync: !*doSync, InPlace: inPlace},
	}
	if *libs != "" {
		cfg.Libs = strings.Split(*libs, ":")
	}
	if *mem != "" {
		runtime.MemProfileRate = 64 << 10
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	start := time.Now()
	rep, err := hook.Run(context.Background(), cfg)
	elapsed := time.Since(start)
	if *cpu != "" {
		pprof.StopCPUProfile()
	}
	if *mem != "" {
		f, err := os.Create(*mem)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	fmt.Printf("hook.Run: %d files, %d patched, %d unchanged, %d not ELF, %d failed, %v\n",
		len(rep.Files)+rep.NotELF, rep.Count(hook.Patched), rep.Count(hook.Unchanged), rep.Count(hook.NotELF),
		rep.Count(hook.Failed), elapsed.Round(time.Millisecond))
	if err != nil && rep.Count(hook.Failed) > 0 {
		return err
	}
	return nil
}
