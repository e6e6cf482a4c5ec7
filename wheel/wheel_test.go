package wheel

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// testMember is one member of a wheel made in a test.
type testMember struct {
	name   string
	data   []byte
	mode   os.FileMode
	method uint16
}

func fixture(t testing.TB, id string) []byte {
	t.Helper()
	return elftest.FixtureBytes(t, id)
}

func recordHash(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// makeWheel writes a wheel with the members and a RECORD listing them, as
// pip's wheel builders do (RECORD last, with an empty hash for itself).
func makeWheel(t testing.TB, members []testMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var record bytes.Buffer
	cw := csv.NewWriter(&record)
	stamp := time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC)
	for _, m := range members {
		fh := &zip.FileHeader{Name: m.name, Method: m.method, Modified: stamp}
		fh.SetMode(m.mode)
		w, err := zw.CreateHeader(fh)
		require.NoError(t, err)
		_, err = w.Write(m.data)
		require.NoError(t, err)
		require.NoError(t, cw.Write([]string{m.name, recordHash(m.data), strconv.Itoa(len(m.data))}))
	}
	require.NoError(t, cw.Write([]string{"demo-1.0.dist-info/RECORD", "", ""}))
	cw.Flush()
	fh := &zip.FileHeader{Name: "demo-1.0.dist-info/RECORD", Method: zip.Deflate, Modified: stamp}
	fh.SetMode(0o644)
	w, err := zw.CreateHeader(fh)
	require.NoError(t, err)
	_, err = w.Write(record.Bytes())
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// demoWheel is a wheel like one auditwheel makes: an executable and an
// extension that need a library bundled in demo.libs/, which needs
// libbar.so from outside the wheel.
func demoWheel(t testing.TB, arch string) []byte {
	t.Helper()
	return makeWheel(t, []testMember{
		{"demo/__init__.py", []byte("from . import _ext\n"), 0o644, zip.Deflate},
		{"demo/prog", fixture(t, arch+"/pie/prog"), 0o755, zip.Deflate},
		{"demo/_ext.so", fixture(t, arch+"/pie/prog"), 0o755, zip.Store},
		{"demo.libs/libfoo.so", fixture(t, arch+"/transitive/libfoo.so"), 0o755, zip.Deflate},
		{"demo/data.txt", bytes.Repeat([]byte("data "), 1000), 0o644, zip.Deflate},
		{"demo-1.0.dist-info/METADATA", []byte("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"), 0o644, zip.Deflate},
		{"demo-1.0.dist-info/WHEEL", []byte("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: py3-none-any\n"), 0o644, zip.Deflate},
	})
}

// libsDir holds libbar.so, the library the wheel does not bundle.
func libsDir(t testing.TB, arch string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "libbar.so"), fixture(t, arch+"/transitive/libbar.so"), 0o755))
	return dir
}

func patch(t testing.TB, in []byte, cfg Config) ([]byte, Report) {
	t.Helper()
	var out bytes.Buffer
	rep, err := Patch(bytes.NewReader(in), int64(len(in)), &out, cfg)
	require.NoError(t, err)
	return out.Bytes(), rep
}

// VerifyRecord checks a wheel the way pip and `wheel unpack` do: every
// member but RECORD (and its signatures) is listed with the sha256 and size
// of its contents, and nothing listed is absent.
func verifyRecord(t testing.TB, whl []byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(whl), int64(len(whl)))
	require.NoError(t, err)
	contents := map[string][]byte{}
	var record []byte
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err, "%s: CRC", f.Name)
		rc.Close()
		if f.Name == "demo-1.0.dist-info/RECORD" {
			record = data
			continue
		}
		contents[f.Name] = data
	}
	rows, err := csv.NewReader(bytes.NewReader(record)).ReadAll()
	require.NoError(t, err)
	listed := map[string]bool{}
	for _, row := range rows {
		require.Len(t, row, 3)
		if row[0] == "demo-1.0.dist-info/RECORD" {
			continue
		}
		data, ok := contents[row[0]]
		require.True(t, ok, "RECORD lists %s, which is not in the wheel", row[0])
		assert.Equal(t, recordHash(data), row[1], row[0])
		assert.Equal(t, strconv.Itoa(len(data)), row[2], row[0])
		listed[row[0]] = true
	}
	for name := range contents {
		assert.True(t, listed[name], "%s not in RECORD", name)
	}
}

type rawMember struct {
	Name                string
	Method              uint16
	ExternalAttrs       uint32
	ModifiedDate, MTime uint16
	Raw                 []byte
}

func rawMembers(t testing.TB, whl []byte) []rawMember {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(whl), int64(len(whl)))
	require.NoError(t, err)
	var out []rawMember
	for _, f := range zr.File {
		rc, err := f.OpenRaw()
		require.NoError(t, err)
		raw, err := io.ReadAll(rc)
		require.NoError(t, err)
		out = append(out, rawMember{f.Name, f.Method, f.ExternalAttrs, f.ModifiedDate, f.ModifiedTime, raw})
	}
	return out
}

func TestPatchWheel(t *testing.T) {
	in := demoWheel(t, "x86_64")
	libs, err := ScanLibs([]string{libsDir(t, "x86_64"), filepath.Join(t.TempDir(), "missing")})
	require.NoError(t, err)
	require.Len(t, libs, 1)

	out, rep := patch(t, in, Config{Libs: libs})
	require.NoError(t, rep.Err())
	assert.True(t, rep.Changed)
	assert.Equal(t, []string{"demo/prog", "demo/_ext.so", "demo.libs/libfoo.so"}, rep.RecordUpdated)
	want := map[string]string{
		"demo/prog":           "$ORIGIN/../demo.libs",
		"demo/_ext.so":        "$ORIGIN/../demo.libs",
		"demo.libs/libfoo.so": libs[0].Dir,
	}
	got := map[string]string{}
	for _, m := range rep.Members {
		got[m.Name] = m.Runpath
		assert.True(t, m.Changed, m.Name)
	}
	assert.Equal(t, want, got)
	verifyRecord(t, out)

	// Same members, same order, same modes and times; unchanged members keep
	// their compressed bytes.
	before, after := rawMembers(t, in), rawMembers(t, out)
	require.Len(t, after, len(before))
	for i := range before {
		b, a := before[i], after[i]
		assert.Equal(t, b.Name, a.Name)
		assert.Equal(t, b.Method, a.Method, b.Name)
		assert.Equal(t, b.ExternalAttrs, a.ExternalAttrs, b.Name)
		assert.Equal(t, [2]uint16{b.ModifiedDate, b.MTime}, [2]uint16{a.ModifiedDate, a.MTime}, b.Name)
		if _, changed := want[b.Name]; !changed && b.Name != "demo-1.0.dist-info/RECORD" {
			assert.Equal(t, b.Raw, a.Raw, "%s is byte-identical", b.Name)
		}
	}

	// Deterministic, and a second run changes nothing: the output is the input.
	again, _ := patch(t, in, Config{Libs: libs})
	assert.Equal(t, out, again)
	second, rep2 := patch(t, out, Config{Libs: libs})
	assert.False(t, rep2.Changed)
	assert.Equal(t, out, second)
}

// TestPatchedWheelRuns extracts the patched wheel and runs its program,
// natively or under qemu-user: the loader finds libfoo.so in the wheel
// through $ORIGIN and libbar.so through the absolute entry, with no
// LD_LIBRARY_PATH.
func TestPatchedWheelRuns(t *testing.T) {
	all := elftest.Fixtures(t)
	for _, a := range []string{"x86_64", "aarch64", "ppc64"} {
		t.Run(a, func(t *testing.T) {
			prog := elftest.Select(all, func(f elftest.Fixture) bool { return f.ID() == a+"/transitive/prog" })[0]
			in := demoWheel(t, a)
			libs, err := ScanLibs([]string{libsDir(t, a)})
			require.NoError(t, err)
			out, rep := patch(t, in, Config{Libs: libs})
			require.NoError(t, rep.Err())
			r := elftest.NewRunner(t, prog.Arch)
			res := r.Run(t, nil, filepath.Join(extract(t, in), "demo/prog"))
			require.NotEqual(t, 0, res.ExitCode, "the unpatched program must not find its libraries: %v", res)
			dir := extract(t, out)
			assert.Equal(t, prog.Output, r.RunOK(t, nil, filepath.Join(dir, "demo/prog")))
		})
	}
}

func extract(t testing.TB, whl []byte) string {
	t.Helper()
	dir := t.TempDir()
	zr, err := zip.NewReader(bytes.NewReader(whl), int64(len(whl)))
	require.NoError(t, err)
	for _, f := range zr.File {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		require.NoError(t, os.WriteFile(p, data, f.Mode().Perm()))
	}
	return dir
}

func TestCheckMissing(t *testing.T) {
	in := demoWheel(t, "x86_64")
	rep, err := Patch(bytes.NewReader(in), int64(len(in)), nil, Config{})
	require.NoError(t, err)
	err = rep.Err()
	require.Error(t, err)
	assert.Equal(t, "demo.libs/libfoo.so: could not satisfy dependency libbar.so", err.Error())

	rep, err = Patch(bytes.NewReader(in), int64(len(in)), nil, Config{IgnoreMissing: []string{"libbar*"}})
	require.NoError(t, err)
	assert.NoError(t, rep.Err())
	require.Len(t, rep.Members[2].Missing, 1)
	assert.True(t, rep.Members[2].Missing[0].Ignored())
}

func TestLibcDir(t *testing.T) {
	in := demoWheel(t, "x86_64")
	libc := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(libc, "libc.so.6"), nil, 0o644))
	isFile := func(p string) bool { st, err := os.Stat(p); return err == nil && st.Mode().IsRegular() }
	libs, err := ScanLibs([]string{libsDir(t, "x86_64")})
	require.NoError(t, err)
	rep, err := Patch(bytes.NewReader(in), int64(len(in)), nil, Config{Libs: libs, LibcDir: libc, IsFile: isFile})
	require.NoError(t, err)
	assert.NoError(t, rep.Err())

	rep, err = Patch(bytes.NewReader(in), int64(len(in)), nil, Config{Libs: libs, LibcDir: t.TempDir(), IsFile: isFile})
	require.NoError(t, err)
	assert.ErrorContains(t, rep.Err(), "could not satisfy dependency libc.so.6")
}

func TestInterpreter(t *testing.T) {
	in := demoWheel(t, "x86_64")
	libs, err := ScanLibs([]string{libsDir(t, "x86_64")})
	require.NoError(t, err)
	out, rep := patch(t, in, Config{Libs: libs, Interpreter: "/opt/ld/ld-linux-x86-64.so.2"})
	require.NoError(t, rep.Err())
	dir := extract(t, out)
	for name, want := range map[string]string{"demo/prog": "/opt/ld/ld-linux-x86-64.so.2", "demo.libs/libfoo.so": ""} {
		f, err := elf.Open(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, want, f.Interpreter, name)
		f.Close()
	}
}

func TestNothingToDo(t *testing.T) {
	in := makeWheel(t, []testMember{{"demo/__init__.py", []byte("\n"), 0o644, zip.Deflate}})
	out, rep := patch(t, in, Config{})
	assert.False(t, rep.Changed)
	assert.Empty(t, rep.Members)
	assert.Equal(t, in, out, "an unchanged wheel is copied as it is")
}

func TestBadWheels(t *testing.T) {
	noRecord := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("demo/x.py")
		fmt.Fprintln(w, "x")
		require.NoError(t, zw.Close())
		return buf.Bytes()
	}()
	badELF := makeWheel(t, []testMember{{"demo/_ext.so", fixture(t, "x86_64/pie/libfoo.so")[:100], 0o755, zip.Deflate}})
	for name, tc := range map[string]struct {
		in   []byte
		want string
	}{
		"not a zip":    {[]byte("hello"), "zip: not a valid zip file"},
		"no RECORD":    {noRecord, "no .dist-info/RECORD in the wheel"},
		"truncated so": {badELF, "demo/_ext.so: malformed ELF"},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Patch(bytes.NewReader(tc.in), int64(len(tc.in)), &out, Config{})
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestUpdateRecord(t *testing.T) {
	in := "a.py,sha256=x,1\r\n\"b,c.so\",sha256=old,10\r\nd.so,sha256=old,5\nRECORD,,\n"
	out, updated, err := updateRecord([]byte(in), map[string]string{"b,c.so": "sha256=new,11", "d.so": "sha256=n2,6"})
	require.NoError(t, err)
	assert.Equal(t, "a.py,sha256=x,1\r\n\"b,c.so\",sha256=new,11\r\nd.so,sha256=n2,6\nRECORD,,\n", string(out))
	assert.Equal(t, []string{"b,c.so", "d.so"}, updated)
}

func TestDropExtra(t *testing.T) {
	ts := []byte{0x55, 0x54, 5, 0, 1, 1, 2, 3, 4}
	z64 := []byte{1, 0, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	assert.Equal(t, ts, dropExtra(append(append([]byte{}, z64...), ts...), 1))
	assert.Equal(t, []byte{1, 0, 99}, dropExtra([]byte{1, 0, 99}, 1), "malformed kept")
}

func TestScanLibs(t *testing.T) {
	// a/libfoo.so has a RUNPATH to b/, which holds libbar.so: found through
	// the closure. c/libbar.so is given as a file; notes.so is not ELF.
	root := t.TempDir()
	write := func(rel string, data []byte) {
		p := filepath.Join(root, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, data, 0o755))
	}
	foo, _, err := elf.Apply(fixture(t, "x86_64/transitive/libfoo.so"),
		elf.Edit{SetRunpath: true, Runpath: "$ORIGIN/x:" + filepath.Join(root, "b")})
	require.NoError(t, err)
	write("a/libfoo.so", foo)
	write("a/notes.so", []byte("text"))
	write("b/libbar.so", fixture(t, "x86_64/transitive/libbar.so"))
	write("c/libbar.so", fixture(t, "aarch64/transitive/libbar.so"))
	require.NoError(t, os.Symlink("libbar.so", filepath.Join(root, "b", "libbar.so.1")))

	libs, err := ScanLibs([]string{filepath.Join(root, "a"), filepath.Join(root, "c", "libbar.so"), filepath.Join(root, "nope")})
	require.NoError(t, err)
	var got []string
	for _, l := range libs {
		rel, err := filepath.Rel(root, filepath.Join(l.Dir, l.Name))
		require.NoError(t, err)
		got = append(got, rel+" "+l.Machine.String())
	}
	assert.Equal(t, []string{"a/libfoo.so EM_X86_64", "c/libbar.so EM_AARCH64", "b/libbar.so EM_X86_64", "b/libbar.so.1 EM_X86_64"}, got)
}

// lyingWheel is a wheel whose one ELF member declares declared bytes but
// holds data.
func lyingWheel(t testing.TB, data []byte, method uint16, declared uint64) []byte {
	t.Helper()
	var body bytes.Buffer
	if method == zip.Deflate {
		fw, err := flate.NewWriter(&body, flate.BestCompression)
		require.NoError(t, err)
		_, err = fw.Write(data)
		require.NoError(t, err)
		require.NoError(t, fw.Close())
	} else {
		body.Write(data)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	fh := &zip.FileHeader{
		Name: "demo/_ext.so", Method: method, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(body.Len()), UncompressedSize64: declared,
	}
	fh.SetMode(0o755)
	w, err := zw.CreateRaw(fh)
	require.NoError(t, err)
	_, err = w.Write(body.Bytes())
	require.NoError(t, err)
	w, err = zw.Create("demo-1.0.dist-info/RECORD")
	require.NoError(t, err)
	fmt.Fprintln(w, "demo/_ext.so,,")
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// A member's declared size is not an allocation: a fuzzed wheel whose
// 2 KB member claimed 4 GB made Patch allocate (and, reusing freed heap,
// clear) 4 GB, and CI's fuzz worker was reported hung.
func TestDeclaredSizeIsNotTrusted(t *testing.T) {
	so := fixture(t, "x86_64/pie/libfoo.so")
	for name, tc := range map[string]struct {
		method   uint16
		declared uint64
		want     error
	}{
		"deflate, 4 GB claimed": {zip.Deflate, 4_000_000_000, io.ErrUnexpectedEOF},
		"store, 4 GB claimed":   {zip.Store, 4_000_000_000, io.ErrUnexpectedEOF},
		"deflate, too short":    {zip.Deflate, uint64(len(so)) - 1, zip.ErrFormat},
		"deflate, honest":       {zip.Deflate, uint64(len(so)), nil},
	} {
		t.Run(name, func(t *testing.T) {
			in := lyingWheel(t, so, tc.method, tc.declared)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Patch(bytes.NewReader(in), int64(len(in)), nil, Config{IgnoreMissing: []string{"*"}})
			runtime.ReadMemStats(&after)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			} else {
				assert.NoError(t, err)
			}
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "bytes allocated")
		})
	}
}
