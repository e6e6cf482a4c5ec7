package storeref

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	krb5  = "/nix/store/1b8xprl9kb4d0q2aywrlgkwddc7s3xjm-krb5-1.21.3"
	glibc = "/nix/store/0c7yzr2x3nvqjx7sz8bqmvw5gm5hkz1a-glibc-2.40-66"
)

func TestWriteRefs(t *testing.T) {
	r := &Report{
		StoreDir: "/nix/store",
		Files: []FileReport{
			{Path: "bin/python", Refs: []Ref{{Kind: Symlink, StorePath: krb5, Value: krb5 + "/bin/x", Offset: -1}}},
			{Path: "lib/ext.so", Refs: []Ref{
				{Kind: Runpath, StorePath: krb5, Value: krb5 + "/lib", Offset: 0x1234},
				{Kind: Bytes, StorePath: glibc, Offset: 0x2000, Section: ".rodata"},
			}},
			{Path: "share/notes", Refs: []Ref{{Kind: Bytes, StorePath: glibc, Offset: 16}}},
			{Path: "lib/broken.so", ELFError: "malformed ELF"},
			{Path: "lib/clean.so"},
		},
		StorePaths: []string{glibc, krb5},
	}
	var b strings.Builder
	require.NoError(t, r.WriteRefs(&b))
	assert.Equal(t, `bin/python
  symlink     `+krb5+`/bin/x
lib/ext.so
  runpath     `+krb5+`/lib
  bytes       `+glibc+` at 0x2000 in .rodata
share/notes
  bytes       `+glibc+` at 0x10
lib/broken.so
  (not parsed as ELF: malformed ELF; scanned as bytes)
4 references to 2 store paths in 5 files
`, b.String())
}

func TestWriteScrub(t *testing.T) {
	changed := true
	r := &Report{
		Files: []FileReport{
			{Path: "prog", Changed: &changed, Changes: []Change{
				{Kind: Runpath, Old: krb5 + "/lib", New: ""},
				{Kind: Interpreter, Old: glibc + "/lib/ld-linux-x86-64.so.2", New: "/lib64/ld-linux-x86-64.so.2"},
				{Kind: Bytes, Old: glibc, Section: ".debug_line_str"},
				{Kind: Bytes, Old: krb5, Section: ".comment"},
				{Kind: Bytes, Old: glibc, Section: ".debug_line_str"},
			}},
			{Path: "python", Refs: []Ref{{Kind: Symlink, StorePath: krb5, Value: krb5 + "/bin/x"}}},
		},
		StorePaths: []string{krb5},
		Scrubbed:   1,
	}
	want := func(verb string) string {
		return `prog: ` + verb + ` runpath: ` + krb5 + `/lib -> (removed)
prog: ` + verb + ` interpreter: ` + glibc + `/lib/ld-linux-x86-64.so.2 -> /lib64/ld-linux-x86-64.so.2
prog: ` + verb + ` 2 store paths in unloaded section .debug_line_str
prog: ` + verb + ` 1 store paths in unloaded section .comment
store references remaining:
python
  symlink     ` + krb5 + `/bin/x
1 files ` + verb + `, 1 references to 1 store paths remaining in 1 files
`
	}
	for _, dry := range []bool{false, true} {
		var b strings.Builder
		require.NoError(t, r.WriteScrub(&b, dry))
		verb := "scrubbed"
		if dry {
			verb = "would scrub"
		}
		assert.Equal(t, want(verb), b.String())
	}
}

func TestReportWriteJSON(t *testing.T) {
	r := newReport("/nix/store")
	r.Files = append(r.Files, FileReport{Path: "a<b>", Refs: []Ref{{Kind: Bytes, StorePath: krb5, Offset: 1}}})
	r.finish()
	var b strings.Builder
	require.NoError(t, r.WriteJSON(&b))
	assert.True(t, strings.HasPrefix(b.String(), "{\n  \"store_dir\": \"/nix/store\",\n"), b.String())
	assert.Contains(t, b.String(), `"path": "a<b>"`, "no HTML escaping")
	var back Report
	require.NoError(t, json.Unmarshal([]byte(b.String()), &back))
	assert.Equal(t, []string{krb5}, back.StorePaths)
}
