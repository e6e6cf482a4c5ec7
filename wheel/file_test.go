package wheel

import (
	"context"
	stdelf "debug/elf"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
)

// TestPatchFile: the new wheel is written once under the output directory,
// mode 0644, through atomicfile (no other name is left there); a second
// run finds the same bytes and writes nothing.
func TestPatchFile(t *testing.T) {
	in := filepath.Join(t.TempDir(), "demo-1.0-py3-none-any.whl")
	require.NoError(t, os.WriteFile(in, demoWheel(t, "x86_64"), 0o644))
	libs, err := ScanLibs([]string{libsDir(t, "x86_64")})
	require.NoError(t, err)
	cfg := Config{Libs: libs}
	out := filepath.Join(t.TempDir(), "dist")

	res, err := PatchFile(context.Background(), in, out, cfg)
	require.NoError(t, err)
	assert.Equal(t, "demo-1.0-py3-none-any.whl", res.Name)
	assert.Equal(t, filepath.Join(out, res.Name), res.Dest)
	assert.True(t, res.Wrote)
	assert.NoError(t, res.Err())
	st, err := os.Stat(res.Dest)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	data, err := os.ReadFile(res.Dest)
	require.NoError(t, err)
	verifyRecord(t, data)
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.False(t, atomicfile.IsTemp(entries[0].Name()))

	again, err := PatchFile(context.Background(), in, out, cfg)
	require.NoError(t, err)
	assert.False(t, again.Wrote)
}

// TestCheckFile: the check writes nothing and reports what the loader
// would miss in the patched members, with paths inside the wheel.
func TestCheckFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "demo-1.0-py3-none-any.whl")
	require.NoError(t, os.WriteFile(in, demoWheel(t, "x86_64"), 0o644))

	res, err := CheckFile(context.Background(), in, Config{})
	require.NoError(t, err)
	require.Error(t, res.Err(), "libbar.so is missing")
	require.NotNil(t, res.Check)
	assert.False(t, res.Check.OK())
	found := false
	for _, f := range res.Check.Findings {
		if f.Soname == "libbar.so" && f.Object == "demo-1.0-py3-none-any.whl/demo.libs/libfoo.so" {
			found = true
		}
	}
	assert.True(t, found, "libbar.so missing for libfoo.so, named inside the wheel: %+v", res.Check.Findings)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "nothing written beside the wheel")
}

func TestTargetOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		want stdelf.Machine
		data stdelf.Data
	}{
		{"demo-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", stdelf.EM_X86_64, stdelf.ELFDATA2LSB},
		{"demo-1.0-1-cp312-cp312-musllinux_1_2_aarch64.whl", stdelf.EM_AARCH64, stdelf.ELFDATA2LSB},
		{"demo-1.0-cp312-cp312-manylinux_2_17_ppc64le.whl", stdelf.EM_PPC64, stdelf.ELFDATA2LSB},
		{"demo-1.0-cp312-cp312-linux_ppc64.whl", stdelf.EM_PPC64, stdelf.ELFDATA2MSB},
	} {
		p := TargetOf(tc.name)
		require.NotNil(t, p, tc.name)
		assert.Equal(t, tc.want, p.Machine, tc.name)
		assert.Equal(t, tc.data, p.Data, tc.name)
	}
	assert.Nil(t, TargetOf("demo-1.0-py3-none-any.whl"))
	assert.Nil(t, TargetOf("demo-1.0-cp312-cp312-macosx_11_0_arm64.whl"))
	assert.Nil(t, TargetOf("notawheel.whl"))
}

// TestPatchFileSkipsOtherArch: the per-file decision is auto's, shared
// through package relink: members of another architecture than the wheel's
// platform tag names are skipped, with auto's reason, and left unchanged.
func TestPatchFileSkipsOtherArch(t *testing.T) {
	in := filepath.Join(t.TempDir(), "demo-1.0-cp312-cp312-manylinux_2_17_aarch64.whl")
	require.NoError(t, os.WriteFile(in, demoWheel(t, "x86_64"), 0o644))
	res, err := PatchFile(context.Background(), in, t.TempDir(), Config{})
	require.NoError(t, err)
	require.Len(t, res.Members, 3)
	for _, m := range res.Members {
		assert.Equal(t, "its architecture (x64) differs from target (AArch64)", m.Skipped, m.Name)
		assert.False(t, m.Changed, m.Name)
	}
	assert.False(t, res.Changed)
	assert.NoError(t, res.Err(), "skipped members need nothing")
}
