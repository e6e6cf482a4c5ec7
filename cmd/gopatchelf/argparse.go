package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

// A small emulation of Python's argparse, enough for auto-patchelf's
// command line to parse exactly as the script parses it: a multi-value
// option (nargs='*') takes values until the next option, "--opt=value"
// gives exactly one value, a unique prefix of a long option selects it
// (allow_abbrev), and the --extra-args option (nargs='...') takes
// everything after it. Unlike argparse, a list option given twice keeps
// the values of both ("--libs A --libs B" is "--libs A B"), as every list
// option of gopatchelf does; the setup hook gives each option once, so
// Nix builds see no difference.

type argKind uint8

const (
	argFlag argKind = iota // store_true: no value
	argList                // nargs='*'
	argOne                 // exactly one value
	argRest                // nargs='...': the rest of the command line
	argHelp                // -h/--help
)

type argSpec struct {
	names    []string // first is the canonical name
	kind     argKind
	dest     string
	metavar  string
	required bool
	help     string
}

type argParser struct {
	prog        string
	description string
	specs       []*argSpec
}

// parsedArgs holds the values given: lists for argList/argRest, one value
// for argOne, and presence for argFlag.
type parsedArgs struct {
	lists map[string][]string
	flags map[string]bool
	seen  map[string]bool
}

func (a *parsedArgs) list(dest string) []string { return a.lists[dest] }
func (a *parsedArgs) flag(dest string) bool     { return a.flags[dest] }
func (a *parsedArgs) one(dest string) (string, bool) {
	v, ok := a.lists[dest]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// usageError is a command-line error: argparse prints the usage and
// "prog: error: msg" on stderr and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errHelp is returned when -h/--help was given.
var errHelp = fmt.Errorf("help requested")

var negativeNumber = regexp.MustCompile(`^-\d+$|^-\d*\.\d+$`)

// lookup classifies arg as argparse's _parse_optional does: a known option
// (possibly abbreviated, possibly with "=value"), an unknown option, or a
// value.
func (p *argParser) lookup(arg string) (spec *argSpec, explicit string, hasExplicit, isOption bool, err error) {
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
		var matches []*argSpec
		var names []string
		for _, s := range p.specs {
			for _, n := range s.names {
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
			return nil, "", false, true, &usageError{fmt.Sprintf("ambiguous option: %s could match %s", name, strings.Join(names, ", "))}
		}
	}
	if negativeNumber.MatchString(arg) || strings.Contains(arg, " ") {
		return nil, "", false, false, nil
	}
	return nil, "", false, true, nil
}

func (p *argParser) exact(name string) *argSpec {
	for _, s := range p.specs {
		for _, n := range s.names {
			if n == name {
				return s
			}
		}
	}
	return nil
}

// parse parses args. It returns errHelp for -h/--help and a *usageError
// for anything argparse would reject.
func (p *argParser) parse(args []string) (*parsedArgs, error) {
	res := &parsedArgs{lists: map[string][]string{}, flags: map[string]bool{}, seen: map[string]bool{}}
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
		res.seen[spec.dest] = true
		optName := spec.names[0]
		switch spec.kind {
		case argHelp:
			return res, errHelp
		case argFlag:
			if hasExplicit {
				return nil, &usageError{fmt.Sprintf("argument %s: ignored explicit argument '%s'", strings.Join(spec.names, "/"), explicit)}
			}
			res.flags[spec.dest] = true
		case argList:
			if res.lists[spec.dest] == nil {
				res.lists[spec.dest] = []string{}
			}
			if hasExplicit {
				res.lists[spec.dest] = append(res.lists[spec.dest], explicit)
				continue
			}
			for i+1 < len(args) && args[i+1] != "--" && isValue(args[i+1]) {
				i++
				res.lists[spec.dest] = append(res.lists[spec.dest], args[i])
			}
		case argOne:
			if hasExplicit {
				res.lists[spec.dest] = []string{explicit}
				continue
			}
			if i+1 >= len(args) || args[i+1] == "--" || !isValue(args[i+1]) {
				return nil, &usageError{fmt.Sprintf("argument %s: expected one argument", optName)}
			}
			i++
			res.lists[spec.dest] = []string{args[i]}
		case argRest:
			if hasExplicit {
				// "--extra-args=x" is one value, like any "--opt=x".
				res.lists[spec.dest] = []string{explicit}
				continue
			}
			res.lists[spec.dest] = append([]string{}, args[i+1:]...)
			i = len(args)
		}
	}
	var missing []string
	for _, s := range p.specs {
		if s.required && !res.seen[s.dest] {
			missing = append(missing, strings.Join(s.names, "/"))
		}
	}
	if len(missing) > 0 {
		return nil, &usageError{"the following arguments are required: " + strings.Join(missing, ", ")}
	}
	if len(extras) > 0 {
		return nil, &usageError{"unrecognized arguments: " + strings.Join(extras, " ")}
	}
	return res, nil
}

// usageParts are the usage line's pieces, in argparse's notation.
func (p *argParser) usageParts() []string {
	var parts []string
	for _, s := range p.specs {
		var part string
		switch s.kind {
		case argHelp, argFlag:
			part = s.names[0]
		case argList:
			part = fmt.Sprintf("%s [%s ...]", s.names[0], s.metavar)
		case argOne:
			part = s.names[0] + " " + s.metavar
		case argRest:
			part = s.names[0] + " ..."
		}
		if !s.required {
			part = "[" + part + "]"
		}
		parts = append(parts, part)
	}
	return parts
}

// usageWidth is argparse's default: an 80-column terminal minus 2.
const usageWidth = 78

func (p *argParser) writeUsage(w io.Writer) {
	prefix := "usage: " + p.prog + " "
	line := prefix
	indent := strings.Repeat(" ", len(prefix))
	for i, part := range p.usageParts() {
		if i > 0 && len(line)+1+len(part) > usageWidth {
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

func (p *argParser) writeError(w io.Writer, msg string) {
	p.writeUsage(w)
	fmt.Fprintf(w, "%s: error: %s\n", p.prog, msg)
}

func (p *argParser) writeHelp(w io.Writer) {
	p.writeUsage(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, wrapText(p.description, usageWidth, ""))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "options:")
	for _, s := range p.specs {
		var head string
		switch s.kind {
		case argHelp, argFlag:
			head = strings.Join(s.names, ", ")
		case argList:
			head = fmt.Sprintf("%s [%s ...]", strings.Join(s.names, ", "), s.metavar)
		case argOne:
			head = strings.Join(s.names, ", ") + " " + s.metavar
		case argRest:
			head = strings.Join(s.names, ", ") + " ..."
		}
		head = "  " + head
		const col = 24
		help := wrapText(s.help, usageWidth-col, strings.Repeat(" ", col))
		if len(head) <= col-2 {
			fmt.Fprintf(w, "%-*s%s\n", col, head, strings.TrimLeft(help, " "))
		} else {
			fmt.Fprintln(w, head)
			fmt.Fprintln(w, help)
		}
	}
}

// wrapText fills text into lines of at most width characters, each
// prefixed with indent.
func wrapText(text string, width int, indent string) string {
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
