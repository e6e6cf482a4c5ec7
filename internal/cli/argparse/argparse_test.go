package argparse

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/cli"
)

// autoPatchelf is the parser of gopatchelf auto: auto-patchelf's
// arguments (names, kinds and dests as upstream defines them), then
// gopatchelf's own. Help texts are left out; only the names matter here.
func autoPatchelf() *Parser {
	arg := func(kind Kind, dest, metavar string, names ...string) *Arg {
		return &Arg{Names: names, Kind: kind, Dest: dest, Metavar: metavar}
	}
	paths := arg(List, "paths", "PATHS", "--paths")
	paths.Required = true
	return &Parser{
		Prog:        "gopatchelf auto",
		Description: "Patch ELF files.",
		Arguments: []*Arg{
			arg(Help, "help", "", "-h", "--help"),
			arg(List, "ignore_missing", "IGNORE_MISSING", "--ignore-missing"),
			arg(Flag, "no_recurse", "", "--no-recurse"),
			paths,
			arg(List, "libs", "LIBS", "--libs"),
			arg(List, "runtime_dependencies", "RUNTIME_DEPENDENCIES", "--runtime-dependencies"),
			arg(List, "append_rpaths", "APPEND_RPATHS", "--append-rpaths"),
			arg(Flag, "keep_libc", "", "--keep-libc"),
			arg(Flag, "preserve_origin", "", "--preserve-origin"),
			arg(Flag, "relative_rpaths", "", "--relative-rpaths", "--relativize-rpath"),
			arg(Flag, "ignore_existing", "", "--ignore-existing"),
			arg(Flag, "structured_logs", "", "--structured-logs"),
			arg(One, "interpreter", "PATH", "--interpreter"),
			arg(One, "libc_dir", "DIR", "--libc-dir"),
			arg(Flag, "runtime_dependencies_for_libs", "", "--runtime-dependencies-for-libs"),
			arg(Flag, "explain", "", "--explain"),
			arg(Flag, "resolution_cache", "", "--resolution-cache"),
			arg(Rest, "extra_args", "", "--extra-args"),
		},
	}
}

// What argparse makes of auto-patchelf's command lines (checked against
// Python 3.11's argparse with upstream's parser definition).
func TestAutoParser(t *testing.T) {
	type want struct {
		lists map[string][]string
		flags map[string]bool
	}
	for _, tc := range []struct {
		name string
		args string
		want want
	}{
		{"as the setup hook calls it",
			"--ignore-missing --paths /out /dev --libs /a/lib /b/lib --runtime-dependencies --append-rpaths --extra-args",
			want{lists: map[string][]string{"ignore_missing": {}, "paths": {"/out", "/dev"}, "libs": {"/a/lib", "/b/lib"},
				"runtime_dependencies": {}, "append_rpaths": {}, "extra_args": {}}}},
		{"flags between lists",
			"--paths a --no-recurse --libs b --keep-libc --structured-logs",
			want{lists: map[string][]string{"paths": {"a"}, "libs": {"b"}},
				flags: map[string]bool{"no_recurse": true, "keep_libc": true, "structured_logs": true}}},
		{"equals form gives one value",
			"--paths=a --ignore-missing=libfoo.so.1 bar.so --paths=b",
			want{}}, // unrecognized: bar.so (see errors below)
		{"a repeated list option adds up (argparse would keep the last)",
			"--paths a b --paths c --paths=d",
			want{lists: map[string][]string{"paths": {"a", "b", "c", "d"}}}},
		{"unique prefixes",
			"--pa x --no-r --ignore-e --struct",
			want{lists: map[string][]string{"paths": {"x"}},
				flags: map[string]bool{"no_recurse": true, "ignore_existing": true, "structured_logs": true}}},
		{"extra args take the rest, flags included",
			"--paths p --extra-args --force-rpath --paths q --page-size 65536",
			want{lists: map[string][]string{"paths": {"p"}, "extra_args": {"--force-rpath", "--paths", "q", "--page-size", "65536"}}}},
		{"values that look like negative numbers or hold spaces are values",
			"--paths -1 -2.5 a\\ b",
			want{lists: map[string][]string{"paths": {"-1", "-2.5", "a b"}}}},
		{"a lone dash is a value",
			"--paths - x",
			want{lists: map[string][]string{"paths": {"-", "x"}}}},
		{"a prefix of two names of one option is not ambiguous",
			"--paths p --relativ",
			want{lists: map[string][]string{"paths": {"p"}}, flags: map[string]bool{"relative_rpaths": true}}},
		{"one-value options",
			"--paths p --interpreter /ld.so --libc-dir=/libc/lib",
			want{lists: map[string][]string{"paths": {"p"}, "interpreter": {"/ld.so"}, "libc_dir": {"/libc/lib"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := autoPatchelf().Parse(splitArgs(tc.args))
			if tc.want.lists == nil && tc.want.flags == nil {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			lists := tc.want.lists
			if lists == nil {
				lists = map[string][]string{}
			}
			flags := tc.want.flags
			if flags == nil {
				flags = map[string]bool{}
			}
			assert.Equal(t, lists, got.lists)
			assert.Equal(t, flags, got.flags)
		})
	}
}

// splitArgs splits on spaces, with "\ " for a space inside an argument.
func splitArgs(s string) []string {
	s = strings.ReplaceAll(s, `\ `, "\x00")
	var out []string
	for _, f := range strings.Fields(s) {
		out = append(out, strings.ReplaceAll(f, "\x00", " "))
	}
	return out
}

func TestAutoParserErrors(t *testing.T) {
	for args, want := range map[string]string{
		"":                                    "the following arguments are required: --paths",
		"--libs a":                            "the following arguments are required: --paths",
		"stray --paths a --libs b -z x":       "unrecognized arguments: ",
		"--paths=a b":                         "unrecognized arguments: b",
		"--paths a --bogus":                   "unrecognized arguments: --bogus",
		"--paths a -x":                        "unrecognized arguments: -x",
		"--paths a -- b":                      "unrecognized arguments: -- b",
		"--no-recurse=yes --paths a":          "argument --no-recurse: ignored explicit argument 'yes'",
		"--paths a --interpreter":             "argument --interpreter: expected one argument",
		"--paths a --interpreter --keep-libc": "argument --interpreter: expected one argument",
		"--paths p --extra-args=a b":          "unrecognized arguments: b",
		"--paths a --r":                       "ambiguous option: --r could match --runtime-dependencies, --relative-rpaths, --relativize-rpath, --runtime-dependencies-for-libs, --resolution-cache",
		"--paths a --ig":                      "ambiguous option: --ig could match --ignore-missing, --ignore-existing",
	} {
		t.Run(args, func(t *testing.T) {
			_, err := autoPatchelf().Parse(splitArgs(args))
			var ue *UsageError
			require.ErrorAs(t, err, &ue)
			if strings.HasSuffix(want, ": ") {
				assert.Equal(t, "unrecognized arguments: stray -z x", ue.Msg, "-z ends --libs; x is no one's value")
				return
			}
			assert.Equal(t, want, ue.Msg)
		})
	}
}

func TestAutoParserHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"--paths", "x", "--he"}} {
		_, err := autoPatchelf().Parse(args)
		assert.ErrorIs(t, err, ErrHelp, "%q", args)
	}
}

func TestUsageWraps(t *testing.T) {
	var b bytes.Buffer
	autoPatchelf().WriteUsage(&b)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Greater(t, len(lines), 1)
	assert.True(t, strings.HasPrefix(lines[0], "usage: gopatchelf auto [-h] [--ignore-missing [IGNORE_MISSING ...]]"), lines[0])
	for _, l := range lines {
		assert.LessOrEqual(t, len(l), cli.Width, l)
	}
	for _, l := range lines[1:] {
		assert.True(t, strings.HasPrefix(l, strings.Repeat(" ", len("usage: gopatchelf auto "))), l)
	}
	assert.Contains(t, b.String(), " --paths [PATHS ...] ")
	assert.Contains(t, b.String(), "[--extra-args ...]")
}
