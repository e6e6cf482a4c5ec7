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
