package pyfmt

import (
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Expected values below were printed by CPython 3.11: repr(s) and
// json.dumps(s), with invalid UTF-8 decoded by surrogateescape as Python
// does for command-line arguments and file names.
func TestPyStrReprAndJSON(t *testing.T) {
	for _, tc := range []struct{ in, repr, json string }{
		{"plain", `'plain'`, `"plain"`},
		{"it's", `"it's"`, `"it's"`},
		{`say "hi"`, `'say "hi"'`, `"say \"hi\""`},
		{`both ' and "`, `'both \' and "'`, `"both ' and \""`},
		{`back\slash`, `'back\\slash'`, `"back\\slash"`},
		{"tab\tnew\nline\r", `'tab\tnew\nline\r'`, `"tab\tnew\nline\r"`},
		{"\x01\x7f", `'\x01\x7f'`, `"\u0001\u007f"`},
		{"é ü", `'é ü'`, `"\u00e9 \u00fc"`},
		{"\u200b", `'\u200b'`, `"\u200b"`},
		{"\u00a0", `'\xa0'`, `"\u00a0"`},
		{"\U0001F600", `'😀'`, `"\ud83d\ude00"`},
		{"\xff\xfeok", `'\udcff\udcfeok'`, `"\udcff\udcfeok"`},
		{"", `''`, `""`},
	} {
		assert.Equal(t, tc.repr, pyStrRepr(tc.in), "repr(%q)", tc.in)
		assert.Equal(t, tc.json, JSONString(tc.in), "json.dumps(%q)", tc.in)
	}
}

// upstreamArgs is vars(args) for a command line like the setup hook's.
func upstreamArgs() Dict {
	return Dict{
		"add_existing":   true,
		"append_rpaths":  []any{},
		"extra_args":     []any{},
		"ignore_missing": []any{"libcuda.so.1 with a long pattern containing spaces that will need wrapping because it is long", "it's"},
		"keep_libc":      false,
		"libs": []any{Path("/nix/store/cccccccccccccccccccccccccccccccc-postgresql-17.5-lib/lib"),
			Path("/x")},
		"paths": []any{Path("/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-authentik-server-2025.10.0"),
			Path("/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-authentik-server-2025.10.0-dev")},
		"preserve_origin":      false,
		"recursive":            true,
		"relative_rpaths":      false,
		"runtime_dependencies": []any{},
		"structured_logs":      false,
	}
}

// Printed by CPython 3.11's pprint.pformat for the same values.
const upstreamArgsPformat = `{'add_existing': True,
 'append_rpaths': [],
 'extra_args': [],
 'ignore_missing': ['libcuda.so.1 with a long pattern containing spaces that '
                    'will need wrapping because it is long',
                    "it's"],
 'keep_libc': False,
 'libs': [PosixPath('/nix/store/cccccccccccccccccccccccccccccccc-postgresql-17.5-lib/lib'),
          PosixPath('/x')],
 'paths': [PosixPath('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-authentik-server-2025.10.0'),
           PosixPath('/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-authentik-server-2025.10.0-dev')],
 'preserve_origin': False,
 'recursive': True,
 'relative_rpaths': False,
 'runtime_dependencies': [],
 'structured_logs': False}`

func TestPformat(t *testing.T) {
	assert.Equal(t, upstreamArgsPformat, Pformat(upstreamArgs()))
	assert.Equal(t, "{'a': [PosixPath('x')], 'b': True}", Pformat(Dict{"b": true, "a": []any{Path("x")}}),
		"short enough for one line")
}

func TestJSONEncode(t *testing.T) {
	assert.Equal(t,
		`{"Dependency": {"file": "out/bin/prog", "name": "libfoo.so", "found": false, "location": null}}`,
		JSON(Object{{"Dependency", Object{{"file", "out/bin/prog"}, {"name", "libfoo.so"}, {"found", false}, {"location", nil}}}}))
	assert.Equal(t, `[1, true, "x"]`, JSON([]any{1, true, "x"}))
}

// With a Python at hand, compare against the real thing on inputs that
// stress quoting and wrapping.
func TestPythonDifferential(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	inputs := []string{
		"a'b\"c", "\x00\x1f", "ÿ", "\u2028", "\U000e0001", "\xc3", "tab\there",
		strings.Repeat("word ", 30), strings.Repeat("x", 100), "/nix/store/" + strings.Repeat("z", 70) + "/lib",
	}
	var script strings.Builder
	script.WriteString("import json, pprint, sys\nfrom pathlib import PosixPath\n")
	script.WriteString("def s(h): return bytes.fromhex(h).decode('utf-8', 'surrogateescape')\n")
	script.WriteString("xs = [")
	for _, in := range inputs {
		script.WriteString("s('" + hex.EncodeToString([]byte(in)) + "'),")
	}
	script.WriteString("]\n")
	script.WriteString("out = []\nfor x in xs:\n    out += [repr(x), json.dumps(x)]\n")
	script.WriteString("out.append(pprint.pformat({'strs': xs, 'paths': [PosixPath(x) for x in xs if '\\x00' not in x], 'flag': True}))\n")
	script.WriteString("sys.stdout.buffer.write('\\0'.join(out).encode('utf-8', 'surrogateescape'))\n")
	cmd := exec.Command(py, "-c", script.String())
	got, err := cmd.Output()
	require.NoError(t, err)
	parts := strings.Split(string(got), "\x00")
	require.Len(t, parts, 2*len(inputs)+1)
	for i, in := range inputs {
		assert.Equal(t, parts[2*i], pyStrRepr(in), "repr(%q)", in)
		assert.Equal(t, parts[2*i+1], JSONString(in), "json.dumps(%q)", in)
	}
	var strs, paths []any
	for _, in := range inputs {
		strs = append(strs, in)
		if !strings.Contains(in, "\x00") {
			paths = append(paths, Path(in))
		}
	}
	assert.Equal(t, parts[len(parts)-1], Pformat(Dict{"strs": strs, "paths": paths, "flag": true}))
}
