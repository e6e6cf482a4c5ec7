package main

// Helpers that several subcommands share: about the place gopatchelf runs
// in, and the inputs named on a command line. The grammar itself is
// internal/cli's (auto's: internal/cli/argparse).

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// inNixBuild reports whether gopatchelf runs inside a Nix build (the
// builder sets $NIX_BUILD_TOP; the bintools wrapper's setup hook sets
// $NIX_BINTOOLS). There, auto keeps auto-patchelf's behaviour exactly:
// --libs entries that do not exist are accepted (the setup hook passes
// PKG/lib for every input, existing or not) and hints name buildInputs.
func inNixBuild() bool {
	return os.Getenv("NIX_BUILD_TOP") != "" || os.Getenv("NIX_BINTOOLS") != ""
}

// hintAdvice ends a "NAME is usually provided by PKG" hint: what to do
// with that package where gopatchelf runs.
func hintAdvice() string {
	if inNixBuild() {
		return "add it to buildInputs"
	}
	return "add its lib directory to --libs"
}

// want is what an input named on the command line must be.
type want uint8

const (
	wantAny  want = iota // a file or a directory
	wantDir              // a directory
	wantFile             // a file (not a directory)
)

// badInput checks, before anything is read or written, that each of
// names exists and is of the kind wanted; what says which argument they
// come from ("--libs", "PATH"). The error is one line naming the argument
// and the file.
func badInput(names []string, what string, kind want) error {
	for _, n := range names {
		fi, err := os.Stat(n)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%s %s: no such file or directory", what, n)
		case err != nil:
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fmt.Errorf("%s %s: %w", what, n, err)
		case kind == wantDir && !fi.IsDir():
			return fmt.Errorf("%s %s: not a directory", what, n)
		case kind == wantFile && fi.IsDir():
			return fmt.Errorf("%s %s: is a directory", what, n)
		}
	}
	return nil
}
