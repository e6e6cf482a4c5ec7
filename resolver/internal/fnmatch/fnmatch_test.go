package fnmatch

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The want column was produced by CPython 3.11's fnmatch.fnmatchcase, the
// function auto-patchelf's fnmatch reduces to on POSIX.
func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		// '*' matches anything, '/' included; '?' exactly one character.
		{`*`, "libfoo.so.1", true},
		{`*`, "", true},
		{`*`, "a/b", true},
		{`lib*.so`, "lib/x.so", true},
		{`?`, "/", true},
		{`?`, "", false},
		{`?`, "é", true},
		{`??`, "é", false},
		{`*a*b`, "xxaybzb", true},
		{`a*`, "a\n", true},
		{`a?`, "a\n", true},

		// Literal and case-sensitive.
		{`libfoo.so.1`, "libfoo.so.1", true},
		{`libfoo.so.1`, "libfoo.so.2", false},
		{`libfoo.so`, "libFoo.so", false},
		{`libxml2.so.*`, "libxml2.so.2", true},
		{`libxml2.so.*`, "libxml2.so", false},
		{`*.so.[0-9]`, "libz.so.1", true},
		{`lib*-openssl.so.?`, "libxmlsec1-openssl.so.1", true},

		// A reversed range merged away can leave the joining hyphen first:
		// "[1-0!-0]" is Python's "[^-0]" (a fuzz crasher).
		{`[1-0!-0]`, "0", false},
		{`[1-0!-0]`, "-", false},
		{`[1-0!-0]`, "x", true},
		{`[b-a-c]`, "-", true},
		{`[b-a-c]`, "c", true},
		{`[b-a-c]`, "b", false},

		// "[!...]" negates.
		{`lib[!c]*.so`, "libd.so", true},
		{`lib[!c]*.so`, "libssl.so", true},
		{`lib[!c]*.so`, "libc.so", false},
		{`lib[!c]*.so`, "libcrypto.so", false},
		{`lib[!c]*.so`, "lib.so", false},

		// No backslash escapes: '\' is a character like any other.
		{`libfoo\.so`, "libfoo.so", false},
		{`libfoo\.so`, `libfoo\.so`, true},
		{`libfoo\*`, "libfoo*", false},
		{`libfoo\*`, `libfoo\bar`, true},
		{`[\]`, `\`, true},

		// ']' first in a set is a member.
		{`[]]`, "]", true},
		{`[]]`, "a", false},
		{`[]a]`, "a", true},
		{`[!]]`, "]", false},
		{`[!]]`, "a", true},

		// An unclosed '[' is a literal '['.
		{`[!]`, "[!]", true},
		{`[!]`, "!", false},
		{`[]`, "[]", true},
		{`lib[`, "lib[", true},
		{`lib[abc`, "lib[abc", true},
		{`lib[abc`, "liba", false},

		// Hyphens: ranges, and members when first, last or after a range.
		{`[a-]`, "a", true},
		{`[a-]`, "-", true},
		{`[a-]`, "b", false},
		{`[-a]`, "-", true},
		{`[!-a]`, "b", true},
		{`[!-a]`, "-", false},
		{`[a-c]`, "b", true},
		{`[a-c]`, "d", false},
		{`[!a-c]`, "d", true},
		{`[!a-c]`, "b", false},
		{`[a-c-e]`, "-", true},
		{`[a-c-e]`, "d", false},
		{`[a-c-e]`, "e", true},

		// Reversed ranges vanish with both ends.
		{`[z-a]`, "z", false},
		{`[z-a]`, "m", false},
		{`[!z-a]`, "m", true},
		{`[a-cx-b]`, "x", false},
		{`[a-cx-b]`, "b", true},

		// '^' and '[' are plain members.
		{`[^a]`, "^", true},
		{`[^a]`, "b", false},
		{`[[]`, "[", true},

		// Invalid UTF-8: each bad byte is one character matching itself.
		{`?`, "\xff", true},
		{`??`, "\xff", false},
		{"*\xfe", "ab\xfe", true},
		{"[\xfe]", "\xff", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"|"+tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Match(tt.pattern, tt.name))
		})
	}
}

func BenchmarkMatch(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Match("lib[!c]*-openssl.so.*", "libxmlsec1-openssl.so.1")
	}
}

// FuzzMatch checks that no pattern panics, and that a pattern without
// special characters matches exactly itself.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"*", "lib[!c]*.so", `libfoo\.so`, "[]]", "[!]]", "[a-]", "lib[", "[z-a]", "\xff"} {
		f.Add(s, "libc.so.6")
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		got := Match(pattern, name)
		if !strings.ContainsAny(pattern, "*?[") {
			assert.Equal(t, pattern == name, got)
		}
	})
}
