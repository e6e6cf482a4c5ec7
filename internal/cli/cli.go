package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Kind is how an option takes values.
type Kind uint8

const (
	Flag  Kind = iota // no value
	Value             // exactly one value; given twice, the last wins
	List              // values up to the next option; repeatable
)

// Option is one option of a subcommand.
type Option struct {
	Long    string // without "--"
	Short   byte   // 0 for none
	Kind    Kind
	Metavar string
	Help    string
}

// Command is the grammar of one subcommand: its options and help.
type Command struct {
	Name     string // "refs"; the program is "gopatchelf refs"
	Synopsis string // after "usage: gopatchelf NAME ", e.g. "[options] PATH..."
	About    string // the paragraphs after the usage line
	Options  []Option
	Trailer  string // after the options in the help (exit status)
}

// Exit statuses of [Command.Start], [Command.Usage] and [Command.NoOperand].
const (
	ExitOK    = 0
	ExitUsage = 2 // a bad command line
)

// Args are the options and operands given.
type Args struct {
	values   map[string][]string
	set      map[string]bool
	Operands []string
	// lastList and lastValue are the last list option given and the last
	// value it took, for the hint when no operand is left.
	lastList, lastValue string
}

// Flag reports whether a flag was given.
func (a *Args) Flag(long string) bool { return a.set[long] }

// List is every value of a list option, in order.
func (a *Args) List(long string) []string { return a.values[long] }

// Value is the (last) value of an option, or def when it was not given.
func (a *Args) Value(long, def string) string {
	if v := a.values[long]; len(v) > 0 {
		return v[len(v)-1]
	}
	return def
}

// Given reports whether an option was given at all.
func (a *Args) Given(long string) bool { return a.set[long] }

// Error is a bad command line; its text is the whole line printed:
// "gopatchelf CMD: what is wrong (see gopatchelf CMD --help)".
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

// ErrHelp is what [Command.Parse] returns for -h/--help.
var ErrHelp = errors.New("help requested")

// commonOptions are accepted by every subcommand of this grammar.
func commonOptions() []Option {
	return []Option{
		{Long: "verbose", Short: 'v', Kind: Flag, Help: "Also print debug messages on stderr."},
		{Long: "help", Short: 'h', Kind: Flag, Help: "Show this help and exit."},
	}
}

// Prog is the program name in messages: "gopatchelf NAME".
func (c *Command) Prog() string { return "gopatchelf " + c.Name }

func (c *Command) all() []Option { return append(append([]Option{}, c.Options...), commonOptions()...) }

// Errorf is a bad command line found after parsing (a conflict, a bad
// value), as an [*Error].
func (c *Command) Errorf(format string, a ...any) error {
	return &Error{fmt.Sprintf("%s: %s (see %s --help)", c.Prog(), fmt.Sprintf(format, a...), c.Prog())}
}

func (c *Command) find(arg string) (*Option, string, bool, error) {
	opts := c.all()
	if strings.HasPrefix(arg, "--") {
		name, value, hasValue := strings.Cut(arg[2:], "=")
		for i := range opts {
			if opts[i].Long == name {
				return &opts[i], value, hasValue, nil
			}
		}
		return nil, "", false, c.Errorf("unknown option --%s", name)
	}
	for i := range opts {
		if opts[i].Short != 0 && arg[1] == opts[i].Short {
			if len(arg) > 2 {
				if opts[i].Kind == Flag {
					break // -vh and the like are not supported: say which
				}
				return &opts[i], strings.TrimPrefix(arg[2:], "="), true, nil
			}
			return &opts[i], "", false, nil
		}
	}
	return nil, "", false, c.Errorf("unknown option %s", arg)
}

// isOption reports whether arg is an option rather than an operand.
func isOption(arg string) bool { return len(arg) > 1 && arg[0] == '-' }

// Parse parses a subcommand's arguments. It returns [ErrHelp] for
// -h/--help, and an [*Error] for anything else it rejects.
func (c *Command) Parse(argv []string) (*Args, error) {
	a := &Args{values: map[string][]string{}, set: map[string]bool{}}
	help := false
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		if arg == "--" {
			a.Operands = append(a.Operands, argv[i+1:]...)
			break
		}
		if !isOption(arg) {
			a.Operands = append(a.Operands, arg)
			continue
		}
		o, value, hasValue, err := c.find(arg)
		if err != nil {
			return nil, err
		}
		a.set[o.Long] = true
		switch o.Kind {
		case Flag:
			if hasValue {
				return nil, c.Errorf("option --%s takes no value", o.Long)
			}
			if o.Long == "help" {
				help = true
			}
		case Value:
			if !hasValue {
				if i+1 >= len(argv) || (isOption(argv[i+1]) && argv[i+1] != "-") || argv[i+1] == "--" {
					return nil, c.Errorf("option --%s needs a value", o.Long)
				}
				i++
				value = argv[i]
			}
			a.values[o.Long] = append(a.values[o.Long], value)
		case List:
			if hasValue {
				a.values[o.Long] = append(a.values[o.Long], value)
				continue
			}
			n := 0
			for i+1 < len(argv) && !isOption(argv[i+1]) {
				i++
				n++
				a.values[o.Long] = append(a.values[o.Long], argv[i])
			}
			if n == 0 {
				return nil, c.Errorf("option --%s needs a value", o.Long)
			}
			a.lastList, a.lastValue = o.Long, argv[i]
		}
	}
	if help {
		return a, ErrHelp
	}
	return a, nil
}

// WriteHelp prints the short help.
func (c *Command) WriteHelp(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s %s\n", c.Prog(), c.Synopsis)
	if c.About != "" {
		b.WriteString("\n" + strings.TrimRight(c.About, "\n") + "\n")
	}
	b.WriteString("\noptions:\n")
	for _, o := range c.all() {
		head := "  "
		if o.Short != 0 {
			head += "-" + string(o.Short) + ", "
		}
		head += "--" + o.Long
		switch o.Kind {
		case Value:
			head += " " + o.Metavar
		case List:
			head += " " + o.Metavar + "..."
		}
		const col = 26
		help := WrapText(o.Help, Width-col, strings.Repeat(" ", col))
		if len(head) <= col-2 {
			fmt.Fprintf(&b, "%-*s%s\n", col, head, strings.TrimLeft(help, " "))
		} else {
			b.WriteString(head + "\n" + help + "\n")
		}
	}
	b.WriteString("\nA list option (...) takes the arguments up to the next option or -- and may\n" +
		"be repeated; after one, put operands after --.\n")
	if c.Trailer != "" {
		b.WriteString("\n" + strings.TrimRight(c.Trailer, "\n") + "\n")
	}
	io.WriteString(w, b.String())
}

// Start parses argv and handles what ends a run at once: help (printed
// on stdout, [ExitOK]) and a bad command line (one line on stderr,
// [ExitUsage]). ok is false when the caller should return code.
func (c *Command) Start(argv []string, stdout, stderr io.Writer) (a *Args, code int, ok bool) {
	a, err := c.Parse(argv)
	var ce *Error
	switch {
	case errors.Is(err, ErrHelp):
		c.WriteHelp(stdout)
		return nil, ExitOK, false
	case errors.As(err, &ce):
		io.WriteString(stderr, ce.msg+"\n")
		return nil, ExitUsage, false
	case err != nil:
		io.WriteString(stderr, c.Prog()+": "+err.Error()+"\n")
		return nil, ExitUsage, false
	}
	return a, ExitOK, true
}

// NoOperand writes the error for a command line without operands (what,
// e.g. "PATH") to stderr, saying so when a list option took the last of
// them, and returns [ExitUsage].
func (c *Command) NoOperand(stderr io.Writer, a *Args, what string) int {
	if a.lastList != "" {
		return c.Usage(stderr, "no %s given (--%s took %s: put %ss after -- or before the options)",
			what, a.lastList, a.lastValue, what)
	}
	return c.Usage(stderr, "no %s given", what)
}

// Usage writes a bad command line found after parsing (a missing operand,
// a conflict) to stderr, in the same one-line form as [Command.Parse]'s
// errors, and returns [ExitUsage].
func (c *Command) Usage(stderr io.Writer, format string, a ...any) int {
	io.WriteString(stderr, c.Errorf(format, a...).Error()+"\n")
	return ExitUsage
}

// ParseNumber reads a non-negative number the way every subcommand does:
// decimal, or with a 0x, 0o or 0b prefix (a leading 0 alone is decimal, so
// 010 is ten), underscores allowed between digits as in Go.
func ParseNumber(s string) (uint64, error) {
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

// Width is the width help texts are filled to: argparse's default, an
// 80-column terminal minus 2.
const Width = 78

// WrapText fills text into lines of at most width characters, each
// prefixed with indent.
func WrapText(text string, width int, indent string) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, indent+line)
			line = word
			continue
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, indent+line)
	}
	return strings.Join(lines, "\n")
}
