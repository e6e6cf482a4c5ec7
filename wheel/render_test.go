package wheel

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/resolver"
)

func renderResult() FileResult {
	return FileResult{
		Name: "demo-1.0-py3-none-any.whl",
		Dest: "out/demo-1.0-py3-none-any.whl",
		Report: Report{Members: []Member{
			{Name: "demo/static", Skipped: "it is statically linked", Changed: true},
			{Name: "demo/prog", Changed: true, Interpreter: "/lib/ld.so", Runpath: "$ORIGIN/../demo.libs"},
			{Name: "demo/_ext.so", Missing: []*resolver.MissingError{
				{Name: "libpq.so.5"}, {Name: "libbar.so", Pattern: "libbar.*"}, {Name: "libunknown.so.9"},
			}},
			{Name: "demo/same.so"},
		}},
	}
}

func TestWriteMembers(t *testing.T) {
	var b strings.Builder
	require.NoError(t, renderResult().WriteMembers(&b))
	assert.Equal(t, `demo-1.0-py3-none-any.whl: demo/static: skipped: it is statically linked
demo-1.0-py3-none-any.whl: demo/prog: interpreter /lib/ld.so
demo-1.0-py3-none-any.whl: demo/prog: RUNPATH $ORIGIN/../demo.libs
demo-1.0-py3-none-any.whl: demo/_ext.so: missing libpq.so.5 (in Nix: libpq)
demo-1.0-py3-none-any.whl: demo/_ext.so: missing libbar.so (ignored by "libbar.*")
demo-1.0-py3-none-any.whl: demo/_ext.so: missing libunknown.so.9
`, b.String())
}

func TestSummary(t *testing.T) {
	r := renderResult()
	assert.Equal(t, "demo-1.0-py3-none-any.whl: 4 ELF members, 1 would change, 3 missing dependencies", r.Summary(true))
	assert.Equal(t, "demo-1.0-py3-none-any.whl: unchanged out/demo-1.0-py3-none-any.whl (1 of 4 ELF members changed, 3 missing dependencies)",
		r.Summary(false))
	r.Wrote = true
	assert.Equal(t, "demo-1.0-py3-none-any.whl: wrote out/demo-1.0-py3-none-any.whl (1 of 4 ELF members changed, 3 missing dependencies)",
		r.Summary(false))
}

func TestCheckZip(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	var one, empty bytes.Buffer
	zw := zip.NewWriter(&one)
	_, err := zw.Create("a")
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, zip.NewWriter(&empty).Close())

	assert.NoError(t, CheckZip(write("one.whl", one.Bytes())))
	assert.NoError(t, CheckZip(write("empty.whl", empty.Bytes())))
	assert.ErrorIs(t, CheckZip(write("text.whl", []byte("#!/bin/sh\n"))), ErrNotZip)
	assert.ErrorIs(t, CheckZip(write("short.whl", []byte("PK"))), ErrNotZip)
	err = CheckZip(filepath.Join(dir, "gone.whl"))
	assert.True(t, errors.Is(err, fs.ErrNotExist), "%v", err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "gone.whl"))

	assert.True(t, IsRegularFile(filepath.Join(dir, "one.whl")))
	assert.False(t, IsRegularFile(dir))
	assert.False(t, IsRegularFile(filepath.Join(dir, "gone.whl")))
}
