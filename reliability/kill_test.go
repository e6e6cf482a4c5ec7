package reliability

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// KillsEnv sets how many times TestKill kills a run; KillCopiesEnv how
// many copies of the fixture set the tree holds.
const (
	KillsEnv      = "GOPATCHELF_KILLS"
	KillCopiesEnv = "GOPATCHELF_KILL_COPIES"
)

// killTree writes copies of x86-64 fixtures (programs and libraries of
// several variants, and a text file) under root and returns them by path
// relative to root.
func killTree(t *testing.T, root string, copies int) map[string][]byte {
	t.Helper()
	var picked []elftest.Fixture
	for _, fx := range elftest.Fixtures(t) {
		if fx.Arch.Name != "x86_64" {
			continue
		}
		switch fx.Variant {
		case "transitive", "rpath", "nopie", "bigdynstr", "noshdrs":
			picked = append(picked, fx)
		}
	}
	require.NotEmpty(t, picked)
	files := map[string][]byte{}
	for i := range copies {
		for _, fx := range picked {
			rel := filepath.Join(strings.Repeat("d", 1+i%3), padInt(i), fx.Variant, fx.Name)
			files[rel] = fx.Bytes(t)
		}
		files[filepath.Join("d", padInt(i), "README.txt")] = []byte("not an ELF file\n")
	}
	writeFiles(t, root, files)
	return files
}

func padInt(i int) string {
	s := "0000" + strconv.Itoa(i)
	return s[len(s)-5:]
}

func writeFiles(t *testing.T, root string, files map[string][]byte) {
	t.Helper()
	for rel, data := range files {
		p := filepath.Join(root, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, data, 0o755))
	}
	// Flush now: otherwise the run's first fsync(2) pays for writing back
	// the whole fresh tree, and runs take seconds instead of milliseconds.
	syscall.Sync()
}

// autoArgs is the command line the kill and determinism tests run, with
// extra options (such as --write) added.
func autoArgs(tree, interp, nolibc string, extra ...string) []string {
	return append([]string{"auto", "--paths", tree, "--interpreter", interp, "--libc-dir", nolibc,
		"--ignore-missing", "libc.so.6"}, extra...)
}

// writeModes are the --write values the suite runs each test of files
// being written with: every guarantee but the kill test's holds in both.
var writeModes = []string{"atomic", "in-place"}

// interpreterFile returns a file that stands for the dynamic linker: it is
// only parsed for the target platform, never run.
func interpreterFile(t *testing.T, dir string) string {
	t.Helper()
	for _, fx := range elftest.Fixtures(t) {
		if fx.Arch.Name == "x86_64" && fx.Variant == "pie" && fx.Name == "libfoo.so" {
			d := filepath.Join(dir, "nix", "store", "00000000000000000000000000000000-glibc-2.40", "lib")
			require.NoError(t, os.MkdirAll(d, 0o755))
			p := filepath.Join(d, "ld-linux-x86-64.so.2")
			require.NoError(t, os.WriteFile(p, fx.Bytes(t), 0o755))
			return p
		}
	}
	t.Fatal("no x86_64/pie/libfoo.so fixture")
	return ""
}

// TestKill SIGKILLs (and sometimes SIGTERMs) `gopatchelf auto` at random
// moments (seeded) over a tree of fixture copies. After each kill every file must be either its
// original bytes or exactly what an uninterrupted run writes, with its
// mode; the only other entries allowed are our temporary files; and a
// re-run must finish the job and remove those temporary files.
func TestKill(t *testing.T) {
	kills := envInt(t, KillsEnv, 30)
	copies := envInt(t, KillCopiesEnv, 40)
	tmp := t.TempDir()
	interp := interpreterFile(t, tmp)
	nolibc := noLibc(t, tmp)
	tree := filepath.Join(tmp, "tree")
	orig := killTree(t, tree, copies)
	origSnap := snapshot(t, tree)

	// The reference: one uninterrupted run.
	start := time.Now()
	ref := runBin(t, nil, autoArgs(tree, interp, nolibc)...)
	refTime := time.Since(start)
	require.Equal(t, 0, ref.code, "reference run: %s", ref.stderr)
	want := snapshot(t, tree)
	patched := 0
	for p, e := range want {
		if origSnap[p].hash != e.hash {
			patched++
		}
	}
	require.Greater(t, patched, len(orig)/3, "the reference run patched too little to test anything")
	t.Logf("reference run: %d files, %d patched, %v", len(orig), patched, refTime.Round(time.Millisecond))

	rng := rand.New(rand.NewPCG(0x6b696c6c, 1))
	var leftTemps, midway, terms int
	for k := range kills {
		// Restore the originals in place (new inodes, as a fresh build).
		require.NoError(t, os.RemoveAll(tree))
		writeFiles(t, tree, orig)

		// Sometimes kill twice before the run that finishes.
		rounds := 1 + rng.IntN(2)
		for range rounds {
			delay := time.Duration(rng.Int64N(int64(refTime)*6/5 + 1))
			before := snapshot(t, tree)
			tempsBefore := tempFiles(t, tree)
			// Atomic writes, which a Nix build would not use (--write
			// auto writes in place there: TestKillInPlace).
			cmd := exec.Command(gopatchelf(t), autoArgs(tree, interp, nolibc, "--write", "atomic")...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
			if k%2 == 1 {
				// As in a Nix build, but atomic: no fsync, and the new file
				// is swapped with the old one (RENAME_EXCHANGE) before the
				// old one is removed; a kill in between leaves the old bytes
				// under a temporary name, which the next run removes.
				cmd.Env = append(cmd.Env, "NIX_BUILD_TOP="+t.TempDir())
			}
			require.NoError(t, cmd.Start())
			time.Sleep(delay)
			// One time in three a SIGTERM, which must end the run cleanly:
			// exit 0 if it finished, else 130, and no temporary file left.
			sig := syscall.SIGKILL
			if rng.IntN(3) == 0 {
				sig = syscall.SIGTERM
			}
			_ = cmd.Process.Signal(sig)
			_ = cmd.Wait()
			if sig == syscall.SIGTERM {
				terms++
				code := cmd.ProcessState.ExitCode()
				if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
					// The signal beat the handler main installs first thing
					// (a busy machine starts processes slowly): then the run
					// must not have touched anything yet.
					assert.Equal(t, before, snapshot(t, tree), "kill %d: SIGTERM before the handler, yet the tree changed", k)
				} else {
					assert.Contains(t, []int{0, 130}, code, "kill %d: exit code after SIGTERM", k)
					// Its own temporary files are gone; an earlier
					// SIGKILL's may remain if the run stopped before
					// reaching them.
					assert.Subset(t, tempsBefore, tempFiles(t, tree), "kill %d: temporary files made by a run ended by SIGTERM", k)
				}
			}

			now := snapshot(t, tree)
			done := 0
			for p, e := range now {
				w, known := want[p]
				switch {
				case !known && strings.Contains(filepath.Base(p), ".gopatchelf-"):
					leftTemps++
				case !known:
					t.Errorf("kill %d: unexpected entry %s", k, p)
				case e.mode != w.mode:
					t.Errorf("kill %d: %s has mode %v, want %v", k, p, e.mode, w.mode)
				case e.hash == w.hash:
					if origSnap[p].hash != w.hash {
						done++
					}
				case e.hash != origSnap[p].hash:
					t.Errorf("kill %d after %v: %s is neither the original nor the patched file", k, delay, p)
				}
			}
			for p := range want {
				if _, ok := now[p]; !ok {
					t.Errorf("kill %d: %s is gone", k, p)
				}
			}
			if done > 0 && done < patched {
				midway++
			}
		}

		// A run to the end finishes the job and clears the leftovers.
		fin := runBin(t, nil, autoArgs(tree, interp, nolibc)...)
		require.Equal(t, 0, fin.code, "run after kill %d: %s", k, fin.stderr)
		assert.Empty(t, tempFiles(t, tree), "temporary files after the run that followed kill %d", k)
		got := snapshot(t, tree)
		for p, w := range want {
			if g := got[p]; g.hash != w.hash || g.mode != w.mode {
				t.Errorf("after kill %d and a full run, %s differs from the reference", k, p)
			}
		}
		assert.Len(t, got, len(want))
		if t.Failed() {
			return
		}
	}
	t.Logf("%d kills (%d of the signals SIGTERM): %d left the tree half patched, %d temporary files left behind were removed by the next run",
		kills, terms, midway, leftTemps)
	// Without a kill inside the patch phase the test proves little.
	assert.Positive(t, midway, "no kill landed while files were being patched")
}

// TestKillInPlace is TestKill for --write in-place, as the hook runs inside
// a Nix build (NIX_BUILD_TOP set, --write auto): what in place gives up,
// shown rather than hidden. After a SIGKILL each file is its original
// bytes, exactly what an uninterrupted run writes, or torn: some of the
// new bytes written, not all. Even a single write(2) can stop part way (the
// kernel checks for a fatal signal between pages), so a growing file may
// be cut anywhere between its old and its new size. What a torn file never
// holds is a byte that is neither the old one nor the new one at its offset
// (or, past the old end, a zero not yet written), and no other file
// appears. A SIGTERM (one signal in three) lets the file being written
// finish, so it leaves no torn file. The test counts the torn files; a
// build that was killed is thrown away by Nix, which is why in place is
// only the default there. A full run after a kill that tore nothing
// finishes the job; after one that tore a file its result is not
// promised, and is only logged.
func TestKillInPlace(t *testing.T) {
	kills := envInt(t, KillsEnv, 15)
	copies := envInt(t, KillCopiesEnv, 40)
	tmp := t.TempDir()
	interp := interpreterFile(t, tmp)
	nolibc := noLibc(t, tmp)
	tree := filepath.Join(tmp, "tree")
	orig := killTree(t, tree, copies)
	args := autoArgs(tree, interp, nolibc, "--write", "in-place")
	env := []string{"PATH=" + os.Getenv("PATH"), "NIX_BUILD_TOP=" + tmp}

	start := time.Now()
	ref := runBin(t, []string{"NIX_BUILD_TOP=" + tmp}, args...)
	refTime := time.Since(start)
	require.Equal(t, 0, ref.code, "reference run: %s", ref.stderr)
	want := map[string][]byte{}
	patched := 0
	for rel, data := range orig {
		b := mustRead(t, filepath.Join(tree, rel))
		want[rel] = b
		if string(b) != string(data) {
			patched++
		}
	}
	require.Greater(t, patched, len(orig)/3, "the reference run patched too little to test anything")
	t.Logf("reference run: %d files, %d patched, %v", len(orig), patched, refTime.Round(time.Millisecond))

	rng := rand.New(rand.NewPCG(0x696e706c, 1))
	var midway, torn, tornRuns, terms, fixedAfterTear int
	for k := range kills {
		require.NoError(t, os.RemoveAll(tree))
		writeFiles(t, tree, orig)
		delay := time.Duration(rng.Int64N(int64(refTime)*6/5 + 1))
		cmd := exec.Command(gopatchelf(t), args...)
		cmd.Env = env
		require.NoError(t, cmd.Start())
		time.Sleep(delay)
		sig := syscall.SIGKILL
		if rng.IntN(3) == 0 {
			sig = syscall.SIGTERM
			terms++
		}
		_ = cmd.Process.Signal(sig)
		_ = cmd.Wait()

		done, tornNow := 0, 0
		for rel, data := range orig {
			got := mustRead(t, filepath.Join(tree, rel))
			w := want[rel]
			switch {
			case string(got) == string(w):
				if string(w) != string(data) {
					done++
				}
			case string(got) == string(data):
			default:
				tornNow++
				if len(got) < min(len(data), len(w)) || len(got) > max(len(data), len(w)) {
					t.Errorf("kill %d after %v: torn %s has %d bytes, not between %d and %d", k, delay, rel, len(got), len(data), len(w))
					continue
				}
				for i, c := range got {
					old := i < len(data) && c == data[i]
					nw := i < len(w) && c == w[i]
					unwritten := i >= len(data) && c == 0
					if !old && !nw && !unwritten {
						t.Errorf("kill %d after %v: torn %s has a byte at %#x that is neither old nor new", k, delay, rel, i)
						break
					}
				}
			}
		}
		snap := snapshot(t, tree)
		for p, e := range snap {
			if _, known := orig[p]; !known && !e.mode.IsDir() {
				t.Errorf("kill %d: unexpected entry %s", k, p)
			}
		}
		if sig == syscall.SIGTERM {
			assert.Zero(t, tornNow, "kill %d: SIGTERM tore a file", k)
		}
		if done > 0 && done < patched {
			midway++
		}
		torn += tornNow
		if tornNow > 0 {
			tornRuns++
		}

		fin := runBin(t, []string{"NIX_BUILD_TOP=" + tmp}, args...)
		same := fin.code == 0
		for rel, w := range want {
			if string(mustRead(t, filepath.Join(tree, rel))) != string(w) {
				same = false
			}
		}
		switch {
		case tornNow == 0:
			assert.True(t, same, "kill %d tore nothing, yet the next full run did not finish the job: %s", k, fin.stderr)
		case same:
			fixedAfterTear++
		default:
			t.Logf("kill %d tore %d files; the next run (exit %d) did not restore the reference result:\n%s", k, tornNow, fin.code, fin.stderr)
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d kills in place (%d SIGTERM): %d left the tree half patched, %d tore %d files in all (%d of those runs fixed by the next run)",
		kills, terms, midway, tornRuns, torn, fixedAfterTear)
	assert.Positive(t, midway, "no kill landed while files were being patched")
}

// noLibc makes dir/nolibc, an empty directory to give as --libc-dir (which
// must exist): no library is then left to the dynamic linker as libc.
func noLibc(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "nolibc")
	require.NoError(t, os.MkdirAll(p, 0o755))
	return p
}
