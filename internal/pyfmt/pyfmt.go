package pyfmt

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Path is a pathlib.PosixPath; its repr is PosixPath('...').
type Path string

// Dict is a dict with string keys, printed with sorted keys.
type Dict map[string]any

// decodePy yields the code points Python sees in s: invalid UTF-8 bytes
// become lone surrogates U+DC80..U+DCFF (the surrogateescape error
// handler, which Python uses for file names and command-line arguments).
func decodePy(s string, yield func(r rune)) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			yield(0xDC00 + rune(s[i]))
		} else {
			yield(r)
		}
		i += size
	}
}

func pyLen(s string) int {
	n := 0
	decodePy(s, func(rune) { n++ })
	return n
}

// pyStrRepr is repr(str): single quotes unless the string holds a single
// quote and no double quote; non-printable characters escaped.
func pyStrRepr(s string) string {
	quote := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteRune(quote)
	decodePy(s, func(r rune) {
		switch {
		case r == quote || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f:
			b.WriteRune(r)
		case r >= 0xD800 && r <= 0xDFFF:
			fmt.Fprintf(&b, `\u%04x`, r)
		case isPyPrintable(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	})
	b.WriteRune(quote)
	return b.String()
}

// isPyPrintable is str.isprintable for one non-ASCII character: Python
// treats the Unicode categories Other (unassigned included) and Separator
// as non-printable, which leaves letters, marks, numbers, punctuation and
// symbols.
func isPyPrintable(r rune) bool {
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}

// Repr is repr(v) for a str (string), a [Path], a bool, a list ([]any) or
// a [Dict] of those.
func Repr(v any) string {
	switch x := v.(type) {
	case string:
		return pyStrRepr(x)
	case Path:
		return "PosixPath(" + pyStrRepr(string(x)) + ")"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Repr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Dict:
		keys := sortedKeys(x)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyStrRepr(k) + ": " + Repr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprintf("<%T>", v) // not reached: only the types above are passed
}

func sortedKeys(d Dict) []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	// Python sorts str by code point; Go's byte order agrees for UTF-8.
	slices.Sort(keys)
	return keys
}

// Pformat is pprint.pformat(v) with the defaults: width 80, indent 1,
// sorted dicts, compact off.
func Pformat(v any) string {
	var b strings.Builder
	pp := &prettyPrinter{w: &b, width: 80}
	pp.format(v, 0, 0, 0)
	return b.String()
}

type prettyPrinter struct {
	w     *strings.Builder
	width int
}

func (p *prettyPrinter) format(v any, indent, allowance, level int) {
	rep := Repr(v)
	if pyLen(rep) > p.width-indent-allowance {
		switch x := v.(type) {
		case Dict:
			p.dict(x, indent, allowance, level+1)
			return
		case []any:
			p.list(x, indent, allowance, level+1)
			return
		case string:
			p.str(x, indent, allowance, level+1)
			return
		}
	}
	p.w.WriteString(rep)
}

func (p *prettyPrinter) dict(d Dict, indent, allowance, level int) {
	p.w.WriteByte('{')
	keys := sortedKeys(d)
	indent++
	allowance++
	for i, k := range keys {
		last := i == len(keys)-1
		rep := pyStrRepr(k)
		p.w.WriteString(rep)
		p.w.WriteString(": ")
		a := 1
		if last {
			a = allowance
		}
		p.format(d[k], indent+pyLen(rep)+2, a, level)
		if !last {
			p.w.WriteString(",\n" + strings.Repeat(" ", indent))
		}
	}
	p.w.WriteByte('}')
}

func (p *prettyPrinter) list(l []any, indent, allowance, level int) {
	p.w.WriteByte('[')
	indent++
	allowance++
	for i, e := range l {
		last := i == len(l)-1
		if i > 0 {
			p.w.WriteString(",\n" + strings.Repeat(" ", indent))
		}
		a := 1
		if last {
			a = allowance
		}
		p.format(e, indent, a, level)
	}
	p.w.WriteByte(']')
}

var wordAndSpace = regexp.MustCompile(`\S*\s*`)

// str is pprint's _pprint_str: a long string is cut after whitespace into
// adjacent literals, one per line.
func (p *prettyPrinter) str(s string, indent, allowance, level int) {
	if s == "" {
		p.w.WriteString(pyStrRepr(s))
		return
	}
	var chunks []string
	lines := splitLinesKeepEnds(s)
	if level == 1 {
		indent++
		allowance++
	}
	maxWidth1, maxWidth := p.width-indent, p.width-indent
	for i, line := range lines {
		rep := pyStrRepr(line)
		if i == len(lines)-1 {
			maxWidth1 -= allowance
		}
		if pyLen(rep) <= maxWidth1 {
			chunks = append(chunks, rep)
			continue
		}
		parts := wordAndSpace.FindAllString(line, -1)
		// Python's findall also yields the empty match at the end; Go's
		// does not, so there is nothing to drop.
		maxWidth2 := maxWidth
		current := ""
		for j, part := range parts {
			candidate := current + part
			if j == len(parts)-1 && i == len(lines)-1 {
				maxWidth2 -= allowance
			}
			if pyLen(pyStrRepr(candidate)) > maxWidth2 {
				if current != "" {
					chunks = append(chunks, pyStrRepr(current))
				}
				current = part
			} else {
				current = candidate
			}
		}
		if current != "" {
			chunks = append(chunks, pyStrRepr(current))
		}
	}
	if len(chunks) == 1 {
		p.w.WriteString(pyStrRepr(s))
		return
	}
	if level == 1 {
		p.w.WriteByte('(')
	}
	for i, c := range chunks {
		if i > 0 {
			p.w.WriteString("\n" + strings.Repeat(" ", indent))
		}
		p.w.WriteString(c)
	}
	if level == 1 {
		p.w.WriteByte(')')
	}
}

// splitLinesKeepEnds is str.splitlines(True) for the common separators.
func splitLinesKeepEnds(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexAny(s, "\n\r\v\f\x1c\x1d\x1e")
		if i < 0 {
			out = append(out, s)
			break
		}
		end := i + 1
		if s[i] == '\r' && end < len(s) && s[end] == '\n' {
			end++
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}

// JSONString is json.dumps(str) with ensure_ascii (the default): every
// character outside printable ASCII is escaped, astral ones as surrogate
// pairs, and undecodable bytes as the lone surrogates Python holds.
func JSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	decodePy(s, func(r rune) {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r >= 0x20 && r < 0x7f:
				b.WriteRune(r)
			case r > 0xffff:
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			default:
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		}
	})
	b.WriteByte('"')
	return b.String()
}

// Field is one "key": value pair of a JSON object, in order.
type Field struct {
	Key   string
	Value any // string, bool, int, nil, an Object or []any of those
}

// Object is a JSON object whose keys keep the order given, as a Python
// dict does.
type Object []Field

// JSON renders v the way json.dumps does with its default separators
// (", " and ": ").
func JSON(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return JSONString(x)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case Object:
		parts := make([]string, len(x))
		for i, f := range x {
			parts[i] = JSONString(f.Key) + ": " + JSON(f.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = JSON(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return JSONString(fmt.Sprint(v)) // json.dumps(default=str)
}
