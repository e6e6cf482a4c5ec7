package reliability

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// binary builds cmd/gopatchelf once per test process and returns its path.
var builtBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "reliability-bin-")
	if err != nil {
		return "", err
	}
	// Reachable by the unprivileged user some tests run it as.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(dir, "gopatchelf")
	cmd := exec.Command("go", "build", "-o", out, "github.com/gopatchelf/gopatchelf/cmd/gopatchelf")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{err: err, out: string(b)}
	}
	return out, nil
})

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

func gopatchelf(t testing.TB) string {
	t.Helper()
	p, err := builtBinary()
	require.NoError(t, err)
	return p
}

func TestMain(m *testing.M) {
	code := m.Run()
	if p, err := builtBinary(); err == nil {
		os.RemoveAll(filepath.Dir(p))
	}
	os.Exit(code)
}

// envInt reads a positive integer from the environment, else def.
func envInt(t testing.TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "$%s", name)
	require.Positive(t, n, "$%s", name)
	return n
}

// entry is what a tree holds at one path, for before/after comparisons.
type entry struct {
	mode  fs.FileMode
	hash  [32]byte
	link  string
	inode uint64
	mtime int64
}

// snapshot records every entry under root by path relative to root.
func snapshot(t testing.TB, root string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		e := entry{mode: fi.Mode(), mtime: fi.ModTime().UnixNano(), inode: inodeOf(fi)}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			e.link, err = os.Readlink(p)
		case fi.Mode().IsRegular():
			var b []byte
			b, err = os.ReadFile(p)
			e.hash = sha256.Sum256(b)
		}
		out[filepath.ToSlash(rel)] = e
		return err
	})
	require.NoError(t, err)
	return out
}

// tempFiles lists the names under root that look like our temporary files.
func tempFiles(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".gopatchelf-") {
			out = append(out, p)
		}
		return err
	}))
	return out
}

// runResult is one run of the binary.
type runResult struct {
	code           int
	stdout, stderr string
}

func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func runBin(t testing.TB, env []string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(gopatchelf(t), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NIX_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return runResult{code, out.String(), errb.String()}
}

// contents keeps the files and symlinks of a snapshot, without the
// directories (whose mtimes change when a temporary file comes and goes)
// and without mtimes.
func contents(s map[string]entry) map[string]entry {
	out := map[string]entry{}
	for p, e := range s {
		if e.mode.IsDir() {
			continue
		}
		e.mtime = 0
		out[p] = e
	}
	return out
}

func sha(b []byte) [32]byte { return sha256.Sum256(b) }
