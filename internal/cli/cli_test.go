package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testCmd = Command{
	Name:     "demo",
	Synopsis: "[options] PATH...",
	Options: []Option{
		{Long: "libs", Kind: List, Metavar: "DIR"},
		{Long: "format", Kind: Value, Metavar: "F"},
		{Long: "dry-run", Kind: Flag},
		{Long: "out", Short: 'o', Kind: Value, Metavar: "DIR"},
	},
}

func TestGrammar(t *testing.T) {
	type want struct {
		libs     []string
		format   string
		dryRun   bool
		out      string
		operands []string
	}
	for _, tc := range []struct {
		args string
		want want
		err  string
	}{
		{args: "a b", want: want{operands: []string{"a", "b"}, format: "text"}},
		{args: "--libs A B", want: want{libs: []string{"A", "B"}, format: "text"}},
		{args: "--libs A --libs B", want: want{libs: []string{"A", "B"}, format: "text"}},
		{args: "--libs=A --libs B", want: want{libs: []string{"A", "B"}, format: "text"}},
		{args: "x --libs A B -- y", want: want{libs: []string{"A", "B"}, operands: []string{"x", "y"}, format: "text"}},
		{args: "--libs A B --dry-run y", want: want{libs: []string{"A", "B"}, dryRun: true, operands: []string{"y"}, format: "text"}},
		{args: "--format json x", want: want{format: "json", operands: []string{"x"}}},
		{args: "--format=json --format=github x", want: want{format: "github", operands: []string{"x"}}},
		{args: "--format= x", want: want{format: "", operands: []string{"x"}}},
		{args: "-o out x", want: want{out: "out", operands: []string{"x"}, format: "text"}},
		{args: "-oout x", want: want{out: "out", operands: []string{"x"}, format: "text"}},
		{args: "--out=out x", want: want{out: "out", operands: []string{"x"}, format: "text"}},
		{args: "-- --libs -x", want: want{operands: []string{"--libs", "-x"}, format: "text"}},
		{args: "- x", want: want{operands: []string{"-", "x"}, format: "text"}},
		{args: "--frob", err: "gopatchelf demo: unknown option --frob (see gopatchelf demo --help)"},
		{args: "--frob=1", err: "gopatchelf demo: unknown option --frob (see gopatchelf demo --help)"},
		{args: "-x", err: "gopatchelf demo: unknown option -x (see gopatchelf demo --help)"},
		{args: "-libs A", err: "gopatchelf demo: unknown option -libs (see gopatchelf demo --help)"},
		{args: "--libs", err: "gopatchelf demo: option --libs needs a value (see gopatchelf demo --help)"},
		{args: "--libs --dry-run", err: "gopatchelf demo: option --libs needs a value (see gopatchelf demo --help)"},
		{args: "--format", err: "gopatchelf demo: option --format needs a value (see gopatchelf demo --help)"},
		{args: "--format --dry-run", err: "gopatchelf demo: option --format needs a value (see gopatchelf demo --help)"},
		{args: "--dry-run=yes", err: "gopatchelf demo: option --dry-run takes no value (see gopatchelf demo --help)"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			a, err := testCmd.Parse(strings.Fields(tc.args))
			if tc.err != "" {
				require.Error(t, err)
				assert.Equal(t, tc.err, err.Error())
				return
			}
			require.NoError(t, err)
			got := want{libs: a.List("libs"), format: a.Value("format", "text"), dryRun: a.Flag("dry-run"),
				out: a.Value("out", ""), operands: a.Operands}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestGrammarHelp(t *testing.T) {
	for _, args := range []string{"-h", "--help", "x --help --frob"} {
		_, err := testCmd.Parse(strings.Fields(args))
		if args == "x --help --frob" {
			assert.Error(t, err, "an unknown option is reported even with --help")
			continue
		}
		assert.ErrorIs(t, err, ErrHelp, args)
	}
}

func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		err  bool
	}{
		{in: "4096", want: 4096},
		{in: "0x1000", want: 4096},
		{in: "0X1000", want: 4096},
		{in: "0o10", want: 8},
		{in: "0b101", want: 5},
		{in: "010", want: 10},
		{in: "0", want: 0},
		{in: "65_536", want: 65536},
		{in: "", err: true},
		{in: "-1", err: true},
		{in: "0x", err: true},
		{in: "4k", err: true},
	} {
		got, err := ParseNumber(tc.in)
		if tc.err {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestStart(t *testing.T) {
	for _, tc := range []struct {
		args           string
		code           int
		ok             bool
		stdout, stderr string
	}{
		{args: "x", code: ExitOK, ok: true},
		{args: "--help", code: ExitOK, stdout: "usage: gopatchelf demo [options] PATH...\n"},
		{args: "--frob x", code: ExitUsage, stderr: "gopatchelf demo: unknown option --frob (see gopatchelf demo --help)\n"},
	} {
		var stdout, stderr strings.Builder
		a, code, ok := testCmd.Start(strings.Fields(tc.args), &stdout, &stderr)
		assert.Equal(t, tc.code, code, tc.args)
		assert.Equal(t, tc.ok, ok, tc.args)
		assert.Equal(t, tc.ok, a != nil, tc.args)
		assert.True(t, strings.HasPrefix(stdout.String(), tc.stdout), "%s: %q", tc.args, stdout.String())
		assert.Equal(t, tc.stderr, stderr.String(), tc.args)
	}
}

func TestNoOperand(t *testing.T) {
	var stderr strings.Builder
	a, err := testCmd.Parse([]string{"--libs", "A", "x.whl"})
	require.NoError(t, err)
	assert.Equal(t, ExitUsage, testCmd.NoOperand(&stderr, a, "wheel"))
	assert.Equal(t, "gopatchelf demo: no wheel given (--libs took x.whl: put wheels after -- or before the options) (see gopatchelf demo --help)\n", stderr.String())
	stderr.Reset()
	a, err = testCmd.Parse(nil)
	require.NoError(t, err)
	assert.Equal(t, ExitUsage, testCmd.NoOperand(&stderr, a, "PATH"))
	assert.Equal(t, "gopatchelf demo: no PATH given (see gopatchelf demo --help)\n", stderr.String())
}

func TestHelpFitsWidth(t *testing.T) {
	c := testCmd
	c.Options = append(c.Options, Option{Long: "a-rather-long-option-name", Kind: List, Metavar: "VALUE",
		Help: strings.Repeat("Words that go on and on. ", 10)})
	var b strings.Builder
	c.WriteHelp(&b)
	assert.Contains(t, b.String(), "\n  --a-rather-long-option-name VALUE...\n"+strings.Repeat(" ", 26)+"Words that go on")
	for _, l := range strings.Split(b.String(), "\n") {
		assert.LessOrEqual(t, len(l), Width, l)
	}
}
