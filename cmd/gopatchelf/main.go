package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, patchelfArgv(os.Args), os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes; doc.go documents them.
const (
	exitOK          = 0
	exitFailure     = 1   // missing dependencies, files that failed, bad interpreter, no paths
	exitUsage       = 2   // bad command line
	exitInterrupted = 130 // SIGINT or SIGTERM: 128 + SIGINT, as shells report it
)

// stdio is a subcommand's view of the terminal.
type stdio struct {
	in          io.Reader
	out, errOut io.Writer
}

// command is one subcommand. Each lives in its own file; add it to
// commands below.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, io stdio) int
}

func commands() []command {
	return []command{
		{"auto", "patch ELF files the way nixpkgs' auto-patchelf does (same command line)", runAuto},
		{"check", "check that every ELF file's libraries and symbol versions resolve as the loader would", runCheck},
		{"patchelf", "NixOS patchelf's command line (also when this binary is run as 'patchelf')", runPatchelf},
		{"refs", "list the Nix store paths files refer to, and where (RUNPATH, interpreter, bytes)", runRefs},
		{"scrub", "remove Nix store references from ELF files for a fixed-output derivation", runScrub},
		{"wheel", "re-link the ELF members of Python wheels without unpacking them", runWheel},
	}
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := stdio{in: stdin, out: stdout, errOut: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], s)
		}
	}
	usage(stderr)
	fmt.Fprintf(stderr, "gopatchelf: error: unknown command %q\n", args[0])
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gopatchelf <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'gopatchelf <command> -h' for the arguments of a command.")
}
