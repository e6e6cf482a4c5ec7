package hook

import (
	stdelf "debug/elf"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/resolver"
)

// TestEventRendering: each event's human-readable text and --structured-logs
// line, as auto-patchelf prints them (contract §2, items 1–9).
func TestEventRendering(t *testing.T) {
	x64 := resolver.Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	arm := resolver.Platform{Machine: stdelf.EM_AARCH64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	freebsd := x64
	freebsd.OSABI = stdelf.ELFOSABI_FREEBSD
	tests := []struct {
		name  string
		event Event
		text  string
		json  string // "" for human-readable only
	}{
		{"skip", SkipFile{File: "out/bin/static", Reason: "it is statically linked"},
			"skipping out/bin/static because it is statically linked",
			`{"SkipFile": {"file": "out/bin/static", "reason": "it is statically linked"}}`},
		{"interpreter", SetInterpreter{File: "out/bin/prog", Interpreter: "/nix/store/g/lib/ld.so"},
			"setting interpreter of out/bin/prog",
			`{"SetInterpreter": {"file": "out/bin/prog", "interpreter_path": "/nix/store/g/lib/ld.so"}}`},
		{"searching", Searching{File: "out/bin/prog"}, "searching for dependencies of out/bin/prog", ""},
		{"found", Dependency{File: "out/bin/prog", Name: "libfoo.so", Found: true, Location: "/s/lib"},
			"    libfoo.so -> found: /s/lib",
			`{"Dependency": {"file": "out/bin/prog", "name": "libfoo.so", "found": true, "location": "/s/lib"}}`},
		{"not found", Dependency{File: "out/bin/prog", Name: "libpq.so.5", Location: "ignored when not found"},
			"    libpq.so.5 -> not found!",
			`{"Dependency": {"file": "out/bin/prog", "name": "libpq.so.5", "found": false, "location": null}}`},
		{"rpath", SetRpath{File: "out/bin/prog", Rpath: "/a:/b"}, "setting RPATH to: /a:/b",
			`{"SetRpath": {"file": "out/bin/prog", "rpath": "/a:/b"}}`},
		{"payload", KeptPayload{File: "out/bin/sfx", Bytes: 4096},
			"keeping the 4096 bytes appended to out/bin/sfx at the end of the file", ""},
		{"summary", Summary{Missing: 2}, "auto-patchelf: 2 dependencies could not be satisfied", ""},
		{"ignored", IgnoredDependency{File: "out/bin/prog", Name: "libx.so", Pattern: "lib*"},
			"warn: auto-patchelf ignoring missing libx.so wanted by out/bin/prog",
			`{"IgnoredDependency": {"file": "out/bin/prog", "name": "libx.so", "pattern": "lib*"}}`},
		{"unsatisfied", Unsatisfied{File: "out/bin/prog", Name: "libpq.so.5", Hint: "libpq"},
			"error: auto-patchelf could not satisfy dependency libpq.so.5 wanted by out/bin/prog", ""},
		{"explain libc", Explain{File: "p", Dep: resolver.Dependency{Name: "libc.so.6", Via: resolver.Libc}},
			"    libc.so.6 -> libc: left to the dynamic linker",
			`{"Explain": {"file": "p", "name": "libc.so.6", "via": "libc", "location": null, "considered": []}}`},
		{"explain absolute", Explain{File: "p", Dep: resolver.Dependency{Name: "/x/libz.so", Via: resolver.Absolute}},
			"    /x/libz.so -> absolute path to an existing file: left as it is",
			`{"Explain": {"file": "p", "name": "/x/libz.so", "via": "absolute", "location": null, "considered": []}}`},
		{"explain index", Explain{File: "p", Dep: resolver.Dependency{
			Name: "libfoo.so", Via: resolver.Indexed, Library: resolver.Library{Name: "libfoo.so", Dir: "/t/lib", Platform: x64},
			Considered: []resolver.Considered{
				{Name: "libfoo.so", Library: resolver.Library{Dir: "/t/lib/arm", Platform: arm}, Verdict: resolver.WrongArch},
				{Name: "libfoo.so", Library: resolver.Library{Dir: "/t/bsd", Platform: freebsd}, Verdict: resolver.IncompatibleOSABI},
				{Name: "libfoo.so", Library: resolver.Library{Dir: "/t/lib", Platform: x64}, Verdict: resolver.Chosen},
				{Name: "libfoo.so", Library: resolver.Library{Dir: "/s/lib", Platform: x64}, Verdict: resolver.Shadowed},
			}}},
			"        candidate /t/lib/arm/libfoo.so: skipped, architecture AArch64\n" +
				"        candidate /t/bsd/libfoo.so: skipped, OS ABI ELFOSABI_FREEBSD\n" +
				"        candidate /t/lib/libfoo.so: chosen, the first compatible one\n" +
				"        candidate /s/lib/libfoo.so: compatible, but /t/lib came first",
			`{"Explain": {"file": "p", "name": "libfoo.so", "via": "index", "location": "/t/lib", "considered": [` +
				`{"name": "libfoo.so", "dir": "/t/lib/arm", "verdict": "wrong architecture"}, ` +
				`{"name": "libfoo.so", "dir": "/t/bsd", "verdict": "incompatible OS ABI"}, ` +
				`{"name": "libfoo.so", "dir": "/t/lib", "verdict": "chosen"}, ` +
				`{"name": "libfoo.so", "dir": "/s/lib", "verdict": "shadowed"}]}}`},
		{"explain not found", Explain{File: "p", Dep: resolver.Dependency{
			Name: "libpq.so.5", Candidates: []string{"libpq.so.5"}, Via: resolver.NotFound}},
			"        no file of that name in the trees, --libs or their RUNPATHs\n" +
				"        libpq.so.5 is usually provided by libpq",
			`{"Explain": {"file": "p", "name": "libpq.so.5", "via": "not found", "location": null, "considered": []}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.text, tt.event.String())
			line, ok := EventJSON(tt.event)
			assert.Equal(t, tt.json != "", ok)
			assert.Equal(t, tt.json, line)

			var human, structured strings.Builder
			require.NoError(t, WriteEvent(&human, tt.event, false))
			require.NoError(t, WriteEvent(&structured, tt.event, true))
			assert.Equal(t, tt.text+"\n", human.String())
			if tt.json == "" {
				assert.Empty(t, structured.String())
			} else {
				assert.Equal(t, tt.json+"\n", structured.String())
			}
		})
	}
}

// An explanation without lines (a dependency found in the index with no
// candidate recorded) prints nothing, not an empty line.
func TestWriteEventNothing(t *testing.T) {
	var b strings.Builder
	require.NoError(t, WriteEvent(&b, Explain{File: "p", Dep: resolver.Dependency{Name: "libfoo.so", Via: resolver.Indexed}}, false))
	assert.Empty(t, b.String())
}

// TestReportHints: one hint per library name, for the first candidate of
// each unsatisfied dependency that has one; ignored dependencies get none.
func TestReportHints(t *testing.T) {
	r := &Report{Missing: []*resolver.MissingError{
		{File: "a", Name: "libpq.so.5", Candidates: []string{"libpq.so.5"}},
		{File: "b", Name: "libpq.so.5", Candidates: []string{"libpq.so.5"}},
		{File: "b", Name: "libz.so.1", Candidates: []string{"libz.so.1"}, Pattern: "libz*"},
		{File: "c", Name: "any(libnope.so, /x/libxml2.so.2, libssl.so.3)",
			Candidates: []string{"libnope.so", "/x/libxml2.so.2", "libssl.so.3"}},
		{File: "d", Name: "libunknown.so.7", Candidates: []string{"libunknown.so.7"}},
	}}
	assert.Equal(t, []Hint{{Name: "libpq.so.5", Package: "libpq"}, {Name: "libxml2.so.2", Package: "libxml2.out"}}, r.Hints())
	assert.Empty(t, (&Report{}).Hints())
}
