package main

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/cli/argparse"
)

// auto's own options make prefixes ambiguous that upstream's accept; the
// argparse package's tests cover the grammar, this one auto's names.
func TestAutoParserNames(t *testing.T) {
	_, err := autoParser().Parse([]string{"--paths", "a", "--r"})
	var ue *argparse.UsageError
	require.True(t, errors.As(err, &ue), "%v", err)
	assert.Equal(t, "ambiguous option: --r could match --runtime-dependencies, --relative-rpaths, --relativize-rpath, --runtime-dependencies-for-libs, --resolution-cache", ue.Msg)
	a, err := autoParser().Parse([]string{"--pa", "x", "--dry", "--write=atomic", "-v", "--extra-args", "--force-rpath"})
	require.NoError(t, err)
	assert.Equal(t, []string{"x"}, a.List("paths"))
	assert.True(t, a.Flag("dry_run"))
	assert.True(t, a.Flag("verbose"))
	w, _ := a.One("write")
	assert.Equal(t, "atomic", w)
	assert.Equal(t, []string{"--force-rpath"}, a.List("extra_args"))
}

func TestPatchelfArgs(t *testing.T) {
	px, err := parsePatchelfArgs([]string{"--force-rpath", "--page-size", "65536", "--debug", "--add-rpath", "/x", "--no-default-lib", "--frobnicate"})
	require.NoError(t, err)
	assert.Equal(t, patchelfArgs{forceRpath: true, pageSize: 65536, noDefaultLib: true, ignored: []string{"--add-rpath", "--frobnicate"}}, px)

	px, err = parsePatchelfArgs([]string{"--page-size=0x4000", "--replace-needed", "a", "b"})
	require.NoError(t, err)
	assert.Equal(t, uint64(0x4000), px.pageSize)
	assert.Equal(t, []string{"--replace-needed"}, px.ignored)

	for _, bad := range [][]string{{"--page-size"}, {"--page-size", "4095"}, {"--page-size", "big"}, {"--page-size=0"}} {
		_, err := parsePatchelfArgs(bad)
		assert.Error(t, err, "%q", bad)
	}
}
