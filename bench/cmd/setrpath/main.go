// Command setrpath sets the RUNPATH of every file named on its command line,
// the way gopatchelf does it: parse, plan the edit, and replace the file
// atomically (temporary copy in the same directory, patch, fsync, rename).
// It exists to be timed against a loop of `patchelf --set-rpath` by
// bench/elf-vs-patchelf.sh; it is not a user-facing tool.
//
//	setrpath -rpath DIR[:DIR…] FILE…
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
)

func main() {
	rpath := flag.String("rpath", "", "the RUNPATH to set (required)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: setrpath -rpath DIR[:DIR…] FILE…")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *rpath == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	failed := false
	for _, path := range flag.Args() {
		if err := setRunpath(path, *rpath); err != nil {
			fmt.Fprintf(os.Stderr, "setrpath: %v\n", err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func setRunpath(path, rpath string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := f.Plan(elf.Edit{SetRunpath: true, Runpath: rpath})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if p.IsEmpty() {
		return nil
	}
	if err := atomicfile.ReplaceCopy(path, func(tmp *os.File) error { return p.ApplyTo(tmp) }); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
