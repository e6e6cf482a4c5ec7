package wheel

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// checkRecordPy is a RECORD checker in Python, independent of ours: zipfile
// tests every CRC, then every member but RECORD must be listed with the
// urlsafe-base64 sha256 (no padding) and size of its contents.
const checkRecordPy = `
import base64, csv, hashlib, io, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    assert bad is None, "bad CRC in " + bad
    rec = [n for n in z.namelist() if n.endswith(".dist-info/RECORD")]
    assert len(rec) == 1, rec
    rows = {r[0]: r for r in csv.reader(io.TextIOWrapper(z.open(rec[0]), "utf-8"))}
    for info in z.infolist():
        if info.is_dir() or info.filename == rec[0]:
            continue
        data = z.read(info)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        row = rows.get(info.filename)
        assert row is not None, info.filename + " not in RECORD"
        assert row[1] == "sha256=" + digest, (info.filename, row[1], digest)
        assert row[2] == str(len(data)), (info.filename, row[2], len(data))
        mode = (info.external_attr >> 16) & 0o777
        print(info.filename, oct(mode))
`

func python(t *testing.T) string {
	t.Helper()
	py := elftest.LookPath(t, "python3")
	if err := exec.Command(py, "-c", "import venv, zipfile, ctypes").Run(); err != nil {
		elftest.Unavailable(t, "python3 cannot import venv (install python3-venv)")
	}
	if err := exec.Command(py, "-m", "pip", "--version").Run(); err != nil {
		elftest.Unavailable(t, "python3 has no pip (install python3-pip)")
	}
	return py
}

func runPy(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_INPUT=1"}, env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s\n%s", name, strings.Join(args, " "), out)
	return string(out)
}

// TestPipInstallsPatchedWheel checks the patched wheel with Python's zipfile
// and a RECORD checker in Python, installs it with pip into a fresh venv,
// and loads the installed library with ctypes and runs the installed
// program, with no LD_LIBRARY_PATH.
func TestPipInstallsPatchedWheel(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("runs the x86-64 fixtures natively")
	}
	py := python(t)
	libs, err := ScanLibs([]string{libsDir(t, "x86_64")})
	require.NoError(t, err)
	out, rep := patch(t, demoWheel(t, "x86_64"), Config{Libs: libs})
	require.NoError(t, rep.Err())
	dir := t.TempDir()
	whl := filepath.Join(dir, "demo-1.0-py3-none-any.whl")
	require.NoError(t, os.WriteFile(whl, out, 0o644))

	listing := runPy(t, nil, py, "-c", checkRecordPy, whl)
	assert.Contains(t, listing, "demo/prog 0o755\n")
	assert.Contains(t, listing, "demo/__init__.py 0o644\n")

	venv := filepath.Join(dir, "venv")
	runPy(t, nil, py, "-m", "venv", "--without-pip", venv)
	vpy := filepath.Join(venv, "bin", "python")
	runPy(t, nil, py, "-m", "pip", "--python", vpy, "install", "--no-deps", "--no-index", "--no-cache-dir", whl)

	site := strings.TrimSpace(runPy(t, nil, vpy, "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])"))
	got := runPy(t, nil, vpy, "-c", `import ctypes, sys; ctypes.CDLL(sys.argv[1]).foo()`,
		filepath.Join(site, "demo.libs", "libfoo.so"))
	assert.Equal(t, "foo: hello from libfoo\nbar: hello from libbar\n", got)

	r := elftest.NewRunner(t, elftest.Arches()[0])
	assert.Contains(t, r.RunOK(t, nil, filepath.Join(site, "demo", "prog")), "bar: hello from libbar")
}
