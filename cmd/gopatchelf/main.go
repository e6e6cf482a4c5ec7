package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/gopatchelf/gopatchelf/hook"
	"github.com/gopatchelf/gopatchelf/internal/console"
)

func main() {
	runtime.GOMAXPROCS(threads(os.Getenv("NIX_BUILD_CORES"), runtime.GOMAXPROCS(0)))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, patchelfArgv(os.Args), os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// threads is how many threads may run Go code at once: GOMAXPROCS
// (already the CPUs the process may use, cgroup limits included), and in a
// Nix build no more than $NIX_BUILD_CORES, the build's share of the
// machine. Workers alone (hook.WorkersFor) would leave the runtime's other
// threads on the other cores: with NIX_BUILD_CORES=1 on 2 cores, auto then
// used 1.5 cores and took 40 % longer than on one thread
// (bench/corpus/RESULTS.md, session 6).
func threads(nixBuildCores string, gomaxprocs int) int {
	if n := hook.WorkersFor(nixBuildCores); n > 0 && n < gomaxprocs {
		return n
	}
	return gomaxprocs
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
	progress    *console.Timing // when the progress line shows; nil for console.DefaultTiming (tests set it)
}

func (s stdio) progressTiming() console.Timing {
	if s.progress != nil {
		return *s.progress
	}
	return console.DefaultTiming()
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
	case "-h", "--help":
		usage(stdout)
		return exitOK
	case "help":
		// "gopatchelf help CMD" is "gopatchelf CMD --help".
		if len(args) == 1 {
			usage(stdout)
			return exitOK
		}
		if len(args) == 2 {
			for _, c := range commands() {
				if c.name == args[1] {
					return c.run(ctx, []string{"--help"}, s)
				}
			}
		}
		fmt.Fprintf(stderr, "gopatchelf help: unknown command %q (see gopatchelf --help)\n", strings.Join(args[1:], " "))
		return exitUsage
	case "--version", "version":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "gopatchelf %s: takes no arguments\n", args[0])
			return exitUsage
		}
		fmt.Fprint(stdout, versionText(debug.ReadBuildInfo()))
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
	fmt.Fprintln(w, "  help CMD   the arguments of CMD, as 'gopatchelf CMD --help'")
	fmt.Fprintln(w, "  version    the version of gopatchelf (also --version)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'gopatchelf <command> -h' for the arguments of a command.")
}

// versionText is what --version prints: the module version (a tag with
// 'go install …@version', "(devel)" for a build from a checkout) and, when
// the build recorded it, the VCS revision, its time and whether the tree
// had uncommitted changes.
func versionText(bi *debug.BuildInfo, ok bool) string {
	if !ok {
		return "gopatchelf (unknown version: built without module support)\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "gopatchelf %s\n", bi.Main.Version)
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, "revision %s", rev)
		if settings["vcs.modified"] == "true" {
			b.WriteString(" (modified)")
		}
		if t := settings["vcs.time"]; t != "" {
			fmt.Fprintf(&b, " %s", t)
		}
		b.WriteByte('\n')
	} else {
		b.WriteString("revision unknown (built without VCS information)\n")
	}
	fmt.Fprintf(&b, "built with %s\n", bi.GoVersion)
	return b.String()
}
