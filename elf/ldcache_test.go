package elf_test

import (
	"bytes"
	stdelf "debug/elf"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/ldcache"
)

// TestResolutionCacheNote writes, replaces and drops the NixOS
// resolution-cache note on every program fixture with section headers, and
// runs each result: the normal loader ignores the note.
func TestResolutionCacheNote(t *testing.T) {
	all := elftest.Fixtures(t)
	readelf := elftest.LookPath(t, "readelf")
	for _, fx := range elftest.Select(all, func(f elftest.Fixture) bool {
		return f.Kind == elftest.Program && len(f.Deps) > 0 && f.Payload == 0
	}) {
		t.Run(fx.ID(), func(t *testing.T) {
			runner := elftest.NewRunner(t, fx.Arch)
			dir := t.TempDir()
			libdir := filepath.Join(dir, "lib")
			require.NoError(t, os.Mkdir(libdir, 0o755))
			fx.CopyDeps(t, all, libdir)
			for _, d := range fx.Deps {
				lib := filepath.Join(libdir, d)
				data, err := os.ReadFile(lib)
				require.NoError(t, err)
				out, _, err := elf.Apply(data, runpath(libdir))
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(lib, out, 0o755))
			}
			desc := []byte("libfoo.so\x00=" + libdir + "/libfoo.so\x00\x00")
			e := runpath(libdir)
			e.ResolutionCache = desc
			prog := filepath.Join(dir, "prog")
			out := applyChecked(t, fx.Bytes(t), e, filepath.Join(dir, "in"))
			require.NoError(t, os.WriteFile(prog, out, 0o755))
			got := parse(t, out)
			assert.Equal(t, desc, got.ResolutionCache)
			assert.Equal(t, fx.Output, runner.RunOK(t, nil, prog))

			if fx.SectionHeaders {
				notes, err := exec.Command(readelf, "-nW", prog).CombinedOutput()
				require.NoError(t, err, "%s", notes)
				assert.Contains(t, string(notes), "NixOS")
				assert.Contains(t, string(notes), "0x63a86cb6")
				strs, err := exec.Command(readelf, "-p", elf.ResolutionCacheSection, prog).CombinedOutput()
				require.NoError(t, err, "%s", strs)
				assert.Contains(t, string(strs), "="+libdir+"/libfoo.so")
			}

			// A shorter descriptor replaces it in place; a longer one moves it.
			for _, d := range [][]byte{[]byte("libfoo.so\x00?$ORIGIN\x00\x00"), append(bytes.Repeat([]byte("x"), 300), desc...)} {
				e.ResolutionCache = d
				next := applyChecked(t, out, e, filepath.Join(dir, "in-replace"))
				assert.Equal(t, d, parse(t, next).ResolutionCache)
				require.NoError(t, os.WriteFile(prog, next, 0o755))
				assert.Equal(t, fx.Output, runner.RunOK(t, nil, prog))
				assert.False(t, bytes.Contains(next[:len(out)], desc[10:len(desc)-2]) && len(d) < len(desc),
					"the old descriptor's paths must be gone")
			}

			// Changing the run path without a new note drops the stale one
			// and its store paths.
			e2 := runpath(libdir + ":" + strings.Repeat("/x", 8))
			dropped := applyChecked(t, out, e2, filepath.Join(dir, "in-drop"))
			assert.Nil(t, parse(t, dropped).ResolutionCache)
			assert.False(t, bytes.Contains(dropped, desc[:len(desc)-2]), "stale note bytes left behind")
			require.NoError(t, os.WriteFile(prog, dropped, 0o755))
			assert.Equal(t, fx.Output, runner.RunOK(t, nil, prog))
		})
	}
}

// TestResolutionCacheWithRpath: as patchelf 0.19, a file that keeps
// DT_RPATH gets a note too; the program still runs.
func TestResolutionCacheWithRpath(t *testing.T) {
	all := elftest.Fixtures(t)
	fx := elftest.Select(all, func(f elftest.Fixture) bool {
		return f.Arch.Name == "x86_64" && f.Variant == "pie" && f.Name == "prog"
	})
	require.Len(t, fx, 1)
	dir := t.TempDir()
	fx[0].CopyDeps(t, all, dir)
	e := runpath(dir)
	e.ForceRpath = true
	e.ResolutionCache = []byte("libfoo.so\x00=" + dir + "/libfoo.so\x00\x00")
	out := applyChecked(t, fx[0].Bytes(t), e, filepath.Join(dir, "in"))
	got := parse(t, out)
	assert.Equal(t, dir, got.Rpath)
	assert.False(t, got.HasRunpath)
	assert.Equal(t, e.ResolutionCache, got.ResolutionCache)
	prog := filepath.Join(dir, "prog")
	require.NoError(t, os.WriteFile(prog, out, 0o755))
	assert.Equal(t, fx[0].Output, elftest.NewRunner(t, fx[0].Arch).RunOK(t, nil, prog))
}

// TestResolutionCacheGolden compares the note section with what patchelf
// 0.19.0's --build-resolution-cache wrote for the same fixture and run path
// (captured once with /nix/store/0…0-foo/lib/libfoo.so in place; patchelf
// 0.19 is not a Debian package, so CI cannot rerun it). The descriptor is
// built by ldcache with the same file-system answers.
func TestResolutionCacheGolden(t *testing.T) {
	const store = "/nix/store/00000000000000000000000000000000-foo/lib"
	const rp = "$ORIGIN/../lib:" + store
	golden := map[string]string{
		"x86_64": "0600000074000000b66ca8634e69784f530000006c6962632e736f2e36003f244f524947494e2f2e2e2f6c6962006c6962666f6f2e736f003f244f524947494e2f2e2e2f6c69623a3d2f6e69782f73746f72652f30303030303030303030303030303030303030303030303030303030303030302d666f6f2f6c69622f6c6962666f6f2e736f0000",
		"ppc64":  "000000060000007463a86cb64e69784f530000006c6962632e736f2e36003f244f524947494e2f2e2e2f6c6962006c6962666f6f2e736f003f244f524947494e2f2e2e2f6c69623a3d2f6e69782f73746f72652f30303030303030303030303030303030303030303030303030303030303030302d666f6f2f6c69622f6c6962666f6f2e736f0000",
	}
	for arch, want := range golden {
		t.Run(arch, func(t *testing.T) {
			fx := elftest.Select(elftest.Fixtures(t), func(f elftest.Fixture) bool {
				return f.Arch.Name == arch && f.Variant == "pie" && f.Name == "prog"
			})
			require.Len(t, fx, 1)
			data := fx[0].Bytes(t)
			desc, err := ldcache.Build(parse(t, data).Needed, rp, ldcache.FS{
				Readable: func(p string) bool { return p == store+"/libfoo.so" },
				Exists:   func(string) bool { return false },
			})
			require.NoError(t, err)
			out, _, err := elf.Apply(data, elf.Edit{SetRunpath: true, Runpath: rp, ResolutionCache: desc})
			require.NoError(t, err)
			sf, err := stdelf.NewFile(bytes.NewReader(out))
			require.NoError(t, err)
			sec := sf.Section(elf.ResolutionCacheSection)
			require.NotNil(t, sec)
			got, err := sec.Data()
			require.NoError(t, err)
			assert.Equal(t, want, hex.EncodeToString(got))
			assert.Equal(t, stdelf.SHT_NOTE, sec.Type)
			assert.Equal(t, stdelf.SHF_ALLOC, sec.Flags)
		})
	}
}
