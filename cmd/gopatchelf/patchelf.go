package main

// gopatchelf patchelf: the command line of NixOS/patchelf 0.19 in front of
// our writer, so that build scripts calling patchelf can call us instead
// (`gopatchelf patchelf ARGS`, or the binary installed under the name
// patchelf).
//
// The command line (a contract: patchelf's options, texts and exit codes),
// what is done to the files and how it differs from patchelf on purpose
// are package patchelf's (see its doc.go); this file parses, runs and
// prints.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/gopatchelf/gopatchelf/patchelf"
)

// patchelfArgv returns the arguments for run: those of the process, with
// "patchelf" in front when the binary was started under that name, so that
// a symlink named patchelf behaves like patchelf.
func patchelfArgv(argv []string) []string {
	if len(argv) == 0 {
		return nil
	}
	if filepath.Base(argv[0]) == "patchelf" {
		return append([]string{"patchelf"}, argv[1:]...)
	}
	return argv[1:]
}

func runPatchelf(ctx context.Context, args []string, sio stdio) int {
	prog := "gopatchelf patchelf"
	if len(os.Args) > 0 && filepath.Base(os.Args[0]) == "patchelf" {
		prog = os.Args[0]
	}
	if len(args) == 0 {
		patchelf.WriteHelp(sio.errOut, prog)
		return exitFailure
	}
	a, err := patchelf.ParseArgs(args, os.Getenv)
	switch {
	case errors.Is(err, patchelf.ErrHelp):
		patchelf.WriteHelp(sio.errOut, prog)
		return exitOK
	case errors.Is(err, patchelf.ErrVersion):
		fmt.Fprintln(sio.out, patchelf.Version)
		return exitOK
	case err != nil:
		fmt.Fprintf(sio.errOut, "patchelf: %v\n", err)
		return exitFailure
	}
	a.Log = peLogger(sio.errOut, a.Debug)
	// Like patchelf, the first file that fails ends the run: the files
	// before it are done, the ones after it untouched.
	err = patchelf.Run(ctx, a.Options, func(vals []patchelf.Printed) {
		var b strings.Builder
		for _, v := range vals {
			b.WriteString(v.String() + "\n")
		}
		io.WriteString(sio.out, b.String())
	})
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		fmt.Fprintln(sio.errOut, "patchelf: interrupted")
		return exitInterrupted
	}
	fmt.Fprintf(sio.errOut, "patchelf: %v\n", err)
	return exitFailure
}

// peLogger prints patchelf's --debug lines as they are, and warnings as
// "warning: …", each line in one write.
func peLogger(w io.Writer, debug bool) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(w)
	l.SetFormatter(peFormatter{})
	l.SetLevel(logrus.InfoLevel)
	if debug {
		l.SetLevel(logrus.DebugLevel)
	}
	return l
}

type peFormatter struct{}

func (peFormatter) Format(e *logrus.Entry) ([]byte, error) {
	prefix := ""
	if e.Level <= logrus.WarnLevel {
		prefix = e.Level.String() + ": "
	}
	return []byte(prefix + e.Message + "\n"), nil
}
