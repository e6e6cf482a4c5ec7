// Package fnmatch matches file names against shell patterns exactly as
// Python's fnmatch.fnmatch does on POSIX, which is what auto-patchelf uses for
// --ignore-missing.
//
// It differs from path.Match and filepath.Match on purpose:
//   - '*' and '?' also match '/';
//   - "[!...]" negates a set; "[^...]" does not (it is a set holding '^');
//   - there are no backslash escapes: '\' is an ordinary character;
//   - ']' right after "[" or "[!" is a member of the set, not its end;
//   - a '[' with no closing ']' matches a literal '[';
//   - a reversed range such as "[z-a]" matches nothing, and "[!z-a]" any
//     one character, as Python's translation makes them.
//
// Matching is case-sensitive (os.path.normcase is the identity on POSIX)
// and works on characters: '?' matches one Unicode code point. A byte that
// is not valid UTF-8 counts as one character of its own, as it does for
// Python, which decodes file names with surrogateescape.
package fnmatch

import (
	"unicode/utf8"
)

// Match reports whether name matches pattern. The whole name must match.
func Match(pattern, name string) bool {
	return match(compile(decode(pattern)), decode(name))
}

type kind uint8

const (
	literal kind = iota // one given character
	any1                // '?': any one character
	star                // '*': any run of characters
	set                 // "[...]": one character in (or not in) a set
)

type token struct {
	kind kind
	r    rune // literal
	cls  *class
}

// class is a bracket expression after Python's translation: every rune of
// every chunk is a member, and each pair of neighbouring chunks adds the
// range from the last rune of one to the first rune of the next.
type class struct {
	negate bool
	chunks [][]rune
}

func (c *class) has(r rune) bool {
	in := false
	for i, ch := range c.chunks {
		for _, m := range ch {
			if m == r {
				in = true
			}
		}
		if prev := c.chunks[max(i-1, 0)]; i > 0 && len(prev) > 0 && len(ch) > 0 {
			lo, hi := prev[len(prev)-1], ch[0]
			if lo <= r && r <= hi {
				in = true
			}
		}
	}
	return in != c.negate
}

// decode splits s into characters. A byte that is not valid UTF-8 becomes
// U+DC80..U+DCFF, as Python's surrogateescape decoding makes it, so it
// matches only itself.
func decode(s string) []rune {
	rs := make([]rune, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			r = 0xDC00 + rune(s[i])
		}
		rs = append(rs, r)
		i += size
	}
	return rs
}

// compile follows CPython's fnmatch.translate (3.11 and later) token by
// token, so that odd patterns mean what they mean to auto-patchelf.
func compile(pat []rune) []token {
	var toks []token
	n := len(pat)
	for i := 0; i < n; {
		c := pat[i]
		i++
		switch c {
		case '*':
			if len(toks) == 0 || toks[len(toks)-1].kind != star {
				toks = append(toks, token{kind: star})
			}
		case '?':
			toks = append(toks, token{kind: any1})
		case '[':
			j := i
			if j < n && pat[j] == '!' {
				j++
			}
			if j < n && pat[j] == ']' {
				j++
			}
			for j < n && pat[j] != ']' {
				j++
			}
			if j >= n {
				toks = append(toks, token{kind: literal, r: '['})
				continue
			}
			toks = append(toks, bracket(pat, i, j))
			i = j + 1
		default:
			toks = append(toks, token{kind: literal, r: c})
		}
	}
	return toks
}

// bracket translates pat[i:j], the inside of a closed bracket expression.
func bracket(pat []rune, i, j int) token {
	// Split at the hyphens that make ranges. A hyphen first in the set
	// (after any '!'), or right after a range, is an ordinary member.
	var chunks [][]rune
	k := i + 1
	if pat[i] == '!' {
		k = i + 2
	}
	for {
		k = indexRune(pat, '-', k, j)
		if k < 0 {
			break
		}
		chunks = append(chunks, pat[i:k])
		i = k + 1
		k += 3
	}
	if last := pat[i:j]; len(last) > 0 {
		chunks = append(chunks, last)
	} else if len(chunks) > 0 {
		// A trailing hyphen is a member: "[a-]" is {a, -}.
		prev := chunks[len(chunks)-1]
		chunks[len(chunks)-1] = append(prev[:len(prev):len(prev)], '-')
	}
	// Drop reversed ranges, with both ends, as Python does to keep its
	// regular expression valid: "[a-cx-b]" is "[a-c]".
	for k := len(chunks) - 1; k > 0; k-- {
		prev, cur := chunks[k-1], chunks[k]
		if prev[len(prev)-1] > cur[0] {
			merged := make([]rune, 0, len(prev)+len(cur)-2)
			merged = append(merged, prev[:len(prev)-1]...)
			merged = append(merged, cur[1:]...)
			chunks[k-1] = merged
			chunks = append(chunks[:k], chunks[k+1:]...)
		}
	}
	cls := &class{chunks: chunks}
	if len(chunks) > 0 && len(chunks[0]) > 0 && chunks[0][0] == '!' {
		cls.negate = true
		chunks[0] = chunks[0][1:]
	}
	// An empty first chunk followed by others leaves their joining hyphen
	// first in Python's class, where it is a literal: "[1-0!-0]" becomes
	// "[^-0]", {'-', '0'} negated (a fuzz crasher, kept in testdata).
	if len(chunks) > 1 && len(chunks[0]) == 0 {
		chunks = chunks[1:]
		chunks[0] = append([]rune{'-'}, chunks[0]...)
		cls.chunks = chunks
	}
	// "[z-a]" matches nothing, "[!z-a]" any character.
	if len(chunks) == 1 && len(chunks[0]) == 0 {
		cls.chunks = nil
	}
	return token{kind: set, cls: cls}
}

func indexRune(s []rune, r rune, from, to int) int {
	for k := from; k < to; k++ {
		if s[k] == r {
			return k
		}
	}
	return -1
}

// match is the classic wildcard matcher: on a mismatch it retries from the
// last star, consuming one more character there. Every token but star
// consumes exactly one character, so this needs no deeper backtracking.
func match(toks []token, name []rune) bool {
	ti, ni := 0, 0
	starTok, starName := -1, 0
	for ni < len(name) {
		if ti < len(toks) {
			switch t := toks[ti]; t.kind {
			case star:
				starTok, starName = ti, ni
				ti++
				continue
			case any1:
				ti++
				ni++
				continue
			case literal:
				if t.r == name[ni] {
					ti++
					ni++
					continue
				}
			case set:
				if t.cls.has(name[ni]) {
					ti++
					ni++
					continue
				}
			}
		}
		if starTok < 0 {
			return false
		}
		starName++
		ti, ni = starTok+1, starName
	}
	for ti < len(toks) && toks[ti].kind == star {
		ti++
	}
	return ti == len(toks)
}
