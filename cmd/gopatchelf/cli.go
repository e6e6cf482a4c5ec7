package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// The one command-line grammar of check, refs, scrub and wheel (auto keeps
// auto-patchelf's argparse command line, argparse.go; patchelf keeps
// patchelf's, patchelf.go):
//
//   - long options in GNU style: "--opt value" and "--opt=value"; a few
//     have a one-letter form ("-o DIR", "-oDIR", "-h", "-v");
//   - a list option takes every following argument up to the next option
//     or "--", and may be repeated: "--libs A B" and "--libs A --libs B"
//     are the same;
//   - "--" ends the options: everything after it is an operand;
//   - operands (PATHs, wheels) may come before, between or after options;
//   - an unknown option, a missing value or a value given to a flag is one
//     line on stderr, "gopatchelf CMD: unknown option --frob (see
//     gopatchelf CMD --help)", and exit status 2;
//   - numbers are parsed by parseNumber, the same everywhere;
//   - -h/--help prints the short help on stdout, -v/--verbose turns on
//     debug messages.

type optKind uint8

const (
	optFlag  optKind = iota // no value
	optValue                // exactly one value; given twice, the last wins
	optList                 // values up to the next option; repeatable
)

// option is one option of a subcommand.
type option struct {
	long    string // without "--"
	short   byte   // 0 for none
	kind    optKind
	metavar string
	help    string
}

// cmdLine is the grammar of one subcommand: its options, operands and help.
type cmdLine struct {
	name     string // "refs"; the program is "gopatchelf refs"
	synopsis string // after "usage: gopatchelf NAME ", e.g. "[options] PATH..."
	about    string // the paragraphs after the usage line
	options  []option
	operands string // what an operand is, for the help ("PATH")
	trailer  string // after the options in the help (exit status)
}

// args are the options and operands given.
type args struct {
	values   map[string][]string
	set      map[string]bool
	operands []string
	// lastList and lastValue are the last list option given and the last
	// value it took, for the hint when no operand is left.
	lastList, lastValue string
}

// flag reports whether a flag was given.
func (a *args) flag(long string) bool { return a.set[long] }

// list is every value of a list option, in order.
func (a *args) list(long string) []string { return a.values[long] }

// value is the (last) value of an option, or def when it was not given.
func (a *args) value(long, def string) string {
	if v := a.values[long]; len(v) > 0 {
		return v[len(v)-1]
	}
	return def
}

// given reports whether an option was given at all.
func (a *args) given(long string) bool { return a.set[long] }

// cmdLineError is a bad command line; its text is the whole line printed.
type cmdLineError struct{ msg string }

func (e *cmdLineError) Error() string { return e.msg }

var errShowHelp = errors.New("help requested")

// commonOptions are accepted by every subcommand of this grammar.
var commonOptions = []option{
	{long: "verbose", short: 'v', kind: optFlag, help: "Also print debug messages on stderr."},
	{long: "help", short: 'h', kind: optFlag, help: "Show this help and exit."},
}

func (c *cmdLine) prog() string { return "gopatchelf " + c.name }

func (c *cmdLine) all() []option { return append(append([]option{}, c.options...), commonOptions...) }

func (c *cmdLine) errorf(format string, a ...any) error {
	return &cmdLineError{fmt.Sprintf("%s: %s (see %s --help)", c.prog(), fmt.Sprintf(format, a...), c.prog())}
}

func (c *cmdLine) find(arg string) (*option, string, bool, error) {
	opts := c.all()
	if strings.HasPrefix(arg, "--") {
		name, value, hasValue := strings.Cut(arg[2:], "=")
		for i := range opts {
			if opts[i].long == name {
				return &opts[i], value, hasValue, nil
			}
		}
		return nil, "", false, c.errorf("unknown option --%s", name)
	}
	for i := range opts {
		if opts[i].short != 0 && arg[1] == opts[i].short {
			if len(arg) > 2 {
				if opts[i].kind == optFlag {
					break // -vh and the like are not supported: say which
				}
				return &opts[i], strings.TrimPrefix(arg[2:], "="), true, nil
			}
			return &opts[i], "", false, nil
		}
	}
	return nil, "", false, c.errorf("unknown option %s", arg)
}

// isOption reports whether arg is an option rather than an operand.
func isOption(arg string) bool { return len(arg) > 1 && arg[0] == '-' }

// parse parses a subcommand's arguments. It returns errShowHelp for
// -h/--help, and a *cmdLineError for anything else it rejects.
func (c *cmdLine) parse(argv []string) (*args, error) {
	a := &args{values: map[string][]string{}, set: map[string]bool{}}
	help := false
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		if arg == "--" {
			a.operands = append(a.operands, argv[i+1:]...)
			break
		}
		if !isOption(arg) {
			a.operands = append(a.operands, arg)
			continue
		}
		o, value, hasValue, err := c.find(arg)
		if err != nil {
			return nil, err
		}
		a.set[o.long] = true
		switch o.kind {
		case optFlag:
			if hasValue {
				return nil, c.errorf("option --%s takes no value", o.long)
			}
			if o.long == "help" {
				help = true
			}
		case optValue:
			if !hasValue {
				if i+1 >= len(argv) || (isOption(argv[i+1]) && argv[i+1] != "-") || argv[i+1] == "--" {
					return nil, c.errorf("option --%s needs a value", o.long)
				}
				i++
				value = argv[i]
			}
			a.values[o.long] = append(a.values[o.long], value)
		case optList:
			if hasValue {
				a.values[o.long] = append(a.values[o.long], value)
				continue
			}
			n := 0
			for i+1 < len(argv) && !isOption(argv[i+1]) {
				i++
				n++
				a.values[o.long] = append(a.values[o.long], argv[i])
			}
			if n == 0 {
				return nil, c.errorf("option --%s needs a value", o.long)
			}
			a.lastList, a.lastValue = o.long, argv[i]
		}
	}
	if help {
		return a, errShowHelp
	}
	return a, nil
}

// writeHelp prints the short help.
func (c *cmdLine) writeHelp(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s %s\n", c.prog(), c.synopsis)
	if c.about != "" {
		b.WriteString("\n" + strings.TrimRight(c.about, "\n") + "\n")
	}
	b.WriteString("\noptions:\n")
	for _, o := range c.all() {
		head := "  "
		if o.short != 0 {
			head += "-" + string(o.short) + ", "
		}
		head += "--" + o.long
		switch o.kind {
		case optValue:
			head += " " + o.metavar
		case optList:
			head += " " + o.metavar + "..."
		}
		const col = 26
		help := wrapText(o.help, usageWidth-col, strings.Repeat(" ", col))
		if len(head) <= col-2 {
			fmt.Fprintf(&b, "%-*s%s\n", col, head, strings.TrimLeft(help, " "))
		} else {
			b.WriteString(head + "\n" + help + "\n")
		}
	}
	b.WriteString("\nA list option (...) takes the arguments up to the next option or -- and may\n" +
		"be repeated; after one, put operands after --.\n")
	if c.trailer != "" {
		b.WriteString("\n" + strings.TrimRight(c.trailer, "\n") + "\n")
	}
	io.WriteString(w, b.String())
}

// start parses argv and handles what ends a run at once: help (exit 0)
// and a bad command line (exit 2). ok is false when the caller should
// return code.
func (c *cmdLine) start(argv []string, sio stdio) (a *args, code int, ok bool) {
	a, err := c.parse(argv)
	var ce *cmdLineError
	switch {
	case errors.Is(err, errShowHelp):
		c.writeHelp(sio.out)
		return nil, exitOK, false
	case errors.As(err, &ce):
		io.WriteString(sio.errOut, ce.msg+"\n")
		return nil, exitUsage, false
	case err != nil:
		io.WriteString(sio.errOut, c.prog()+": "+err.Error()+"\n")
		return nil, exitUsage, false
	}
	return a, exitOK, true
}

// noOperand is the error for a command line without operands (what, e.g.
// "PATH"), saying so when a list option took the last of them.
func (c *cmdLine) noOperand(sio stdio, a *args, what string) int {
	if a.lastList != "" {
		return c.usage(sio, "no %s given (--%s took %s: put %ss after -- or before the options)",
			what, a.lastList, a.lastValue, what)
	}
	return c.usage(sio, "no %s given", what)
}

// usage is a bad command line found after parsing (a missing operand, a
// conflict), in the same one-line form.
func (c *cmdLine) usage(sio stdio, format string, a ...any) int {
	io.WriteString(sio.errOut, c.errorf(format, a...).Error()+"\n")
	return exitUsage
}

// parseNumber reads a non-negative number the way every subcommand does:
// decimal, or with a 0x, 0o or 0b prefix (a leading 0 alone is decimal, so
// 010 is ten), underscores allowed between digits as in Go.
func parseNumber(s string) (uint64, error) {
	t := s
	if len(t) > 1 && t[0] == '0' && t[1] >= '0' && t[1] <= '9' {
		t = strings.TrimLeft(t, "0")
		if t == "" {
			t = "0"
		}
	}
	n, err := strconv.ParseUint(t, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid number %q", s)
	}
	return n, nil
}

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
