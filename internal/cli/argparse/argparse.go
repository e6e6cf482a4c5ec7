package argparse

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/gopatchelf/gopatchelf/internal/cli"
)

// Kind is an argument's action and nargs.
type Kind uint8

const (
	Flag Kind = iota // action='store_true': no value
	List             // nargs='*'
	One              // exactly one value
	Rest             // nargs='...': the rest of the command line
	Help             // -h/--help
)

// Arg is one add_argument call.
type Arg struct {
	Names    []string // first is the canonical name
	Kind     Kind
	Dest     string
	Metavar  string
	Required bool
	Help     string
}

// Parser is an ArgumentParser: its prog, description and arguments.
type Parser struct {
	Prog        string
	Description string
	Arguments   []*Arg
}

// Args holds the values given: lists for List and Rest, one value for One,
// and presence for Flag, by Dest.
type Args struct {
	lists map[string][]string
	flags map[string]bool
	seen  map[string]bool
}

// List is the values of a List or Rest argument; nil when it was not
// given, empty when it was given without values.
func (a *Args) List(dest string) []string { return a.lists[dest] }

// Flag reports whether a Flag argument was given.
func (a *Args) Flag(dest string) bool { return a.flags[dest] }

// One is the value of a One argument, and whether it was given.
func (a *Args) One(dest string) (string, bool) {
	v, ok := a.lists[dest]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// UsageError is a command-line error: argparse prints the usage and
// "prog: error: Msg" on stderr ([Parser.WriteError]) and exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ErrHelp is returned when -h/--help was given.
var ErrHelp = errors.New("help requested")

var negativeNumber = regexp.MustCompile(`^-\d+$|^-\d*\.\d+$`)

// lookup classifies arg as argparse's _parse_optional does: a known option
// (possibly abbreviated, possibly with "=value"), an unknown option, or a
// value.
func (p *Parser) lookup(arg string) (spec *Arg, explicit string, hasExplicit, isOption bool, err error) {
	if !strings.HasPrefix(arg, "-") || arg == "-" {
		return nil, "", false, false, nil
	}
	if s := p.exact(arg); s != nil {
		return s, "", false, true, nil
	}
	name, value, hasEq := strings.Cut(arg, "=")
	if hasEq {
		if s := p.exact(name); s != nil {
			return s, value, true, true, nil
		}
	}
	if strings.HasPrefix(arg, "--") && arg != "--" {
		var matches []*Arg
		var names []string
		for _, s := range p.Arguments {
			for _, n := range s.Names {
				if strings.HasPrefix(n, name) {
					if len(matches) == 0 || matches[len(matches)-1] != s {
						matches = append(matches, s)
					}
					names = append(names, n)
				}
			}
		}
		switch {
		case len(matches) == 1:
			return matches[0], value, hasEq, true, nil
		case len(matches) > 1:
			return nil, "", false, true, &UsageError{fmt.Sprintf("ambiguous option: %s could match %s", name, strings.Join(names, ", "))}
		}
	}
	if negativeNumber.MatchString(arg) || strings.Contains(arg, " ") {
		return nil, "", false, false, nil
	}
	return nil, "", false, true, nil
}

func (p *Parser) exact(name string) *Arg {
	for _, s := range p.Arguments {
		for _, n := range s.Names {
			if n == name {
				return s
			}
		}
	}
	return nil
}

// Parse parses args. It returns [ErrHelp] for -h/--help and a
// [*UsageError] for anything argparse would reject.
func (p *Parser) Parse(args []string) (*Args, error) {
	res := &Args{lists: map[string][]string{}, flags: map[string]bool{}, seen: map[string]bool{}}
	var extras []string
	isValue := func(a string) bool {
		_, _, _, opt, _ := p.lookup(a)
		return !opt
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			// Options end here; nothing of ours takes positionals.
			extras = append(extras, args[i:]...)
			break
		}
		spec, explicit, hasExplicit, isOpt, err := p.lookup(arg)
		if err != nil {
			return nil, err
		}
		if !isOpt {
			extras = append(extras, arg)
			continue
		}
		if spec == nil {
			extras = append(extras, arg)
			continue
		}
		res.seen[spec.Dest] = true
		optName := spec.Names[0]
		switch spec.Kind {
		case Help:
			return res, ErrHelp
		case Flag:
			if hasExplicit {
				return nil, &UsageError{fmt.Sprintf("argument %s: ignored explicit argument '%s'", strings.Join(spec.Names, "/"), explicit)}
			}
			res.flags[spec.Dest] = true
		case List:
			if res.lists[spec.Dest] == nil {
				res.lists[spec.Dest] = []string{}
			}
			if hasExplicit {
				res.lists[spec.Dest] = append(res.lists[spec.Dest], explicit)
				continue
			}
			for i+1 < len(args) && args[i+1] != "--" && isValue(args[i+1]) {
				i++
				res.lists[spec.Dest] = append(res.lists[spec.Dest], args[i])
			}
		case One:
			if hasExplicit {
				res.lists[spec.Dest] = []string{explicit}
				continue
			}
			if i+1 >= len(args) || args[i+1] == "--" || !isValue(args[i+1]) {
				return nil, &UsageError{fmt.Sprintf("argument %s: expected one argument", optName)}
			}
			i++
			res.lists[spec.Dest] = []string{args[i]}
		case Rest:
			if hasExplicit {
				// "--extra-args=x" is one value, like any "--opt=x".
				res.lists[spec.Dest] = []string{explicit}
				continue
			}
			res.lists[spec.Dest] = append([]string{}, args[i+1:]...)
			i = len(args)
		}
	}
	var missing []string
	for _, s := range p.Arguments {
		if s.Required && !res.seen[s.Dest] {
			missing = append(missing, strings.Join(s.Names, "/"))
		}
	}
	if len(missing) > 0 {
		return nil, &UsageError{"the following arguments are required: " + strings.Join(missing, ", ")}
	}
	if len(extras) > 0 {
		return nil, &UsageError{"unrecognized arguments: " + strings.Join(extras, " ")}
	}
	return res, nil
}

// usageParts are the usage line's pieces, in argparse's notation.
func (p *Parser) usageParts() []string {
	var parts []string
	for _, s := range p.Arguments {
		var part string
		switch s.Kind {
		case Help, Flag:
			part = s.Names[0]
		case List:
			part = fmt.Sprintf("%s [%s ...]", s.Names[0], s.Metavar)
		case One:
			part = s.Names[0] + " " + s.Metavar
		case Rest:
			part = s.Names[0] + " ..."
		}
		if !s.Required {
			part = "[" + part + "]"
		}
		parts = append(parts, part)
	}
	return parts
}

// WriteUsage prints argparse's usage lines, wrapped as argparse wraps them.
func (p *Parser) WriteUsage(w io.Writer) {
	prefix := "usage: " + p.Prog + " "
	line := prefix
	indent := strings.Repeat(" ", len(prefix))
	for i, part := range p.usageParts() {
		if i > 0 && len(line)+1+len(part) > cli.Width {
			fmt.Fprintln(w, line)
			line = indent + part
			continue
		}
		if i > 0 {
			line += " "
		}
		line += part
	}
	fmt.Fprintln(w, line)
}

// WriteError prints a command-line error as argparse does: the usage, then
// "prog: error: msg".
func (p *Parser) WriteError(w io.Writer, msg string) {
	p.WriteUsage(w)
	fmt.Fprintf(w, "%s: error: %s\n", p.Prog, msg)
}

// WriteHelp prints the help as argparse's default HelpFormatter does.
func (p *Parser) WriteHelp(w io.Writer) {
	p.WriteUsage(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, cli.WrapText(p.Description, cli.Width, ""))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "options:")
	for _, s := range p.Arguments {
		var head string
		switch s.Kind {
		case Help, Flag:
			head = strings.Join(s.Names, ", ")
		case List:
			head = fmt.Sprintf("%s [%s ...]", strings.Join(s.Names, ", "), s.Metavar)
		case One:
			head = strings.Join(s.Names, ", ") + " " + s.Metavar
		case Rest:
			head = strings.Join(s.Names, ", ") + " ..."
		}
		head = "  " + head
		const col = 24
		help := cli.WrapText(s.Help, cli.Width-col, strings.Repeat(" ", col))
		if len(head) <= col-2 {
			fmt.Fprintf(w, "%-*s%s\n", col, head, strings.TrimLeft(help, " "))
		} else {
			fmt.Fprintln(w, head)
			fmt.Fprintln(w, help)
		}
	}
}
