package linkcheck

import (
	"bytes"
	"context"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/hook"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// The differential test (issue 14): check's verdict on real files against
// what the real loader does with them. See linkcheck/README.md for the
// method and the published counts; GOPATCHELF_DIFF_REPORT=FILE writes the
// counts there.

// npmModules are the prebuilt native node modules of the node tree,
// pinned; `npm pack` fetches them into a cache outside the repository.
var npmModules = []string{
	"@img/sharp-linux-x64@0.35.6",
	"@img/sharp-libvips-linux-x64@1.3.5",
	"@duckdb/node-bindings-linux-x64@1.5.6-r.1",
	"onnxruntime-node@1.30.0",
	"@napi-rs/canvas-linux-x64-gnu@1.2.1",
	"@lancedb/lancedb-linux-x64-gnu@0.39.0",
	"@swc/core-linux-x64-gnu@1.16.22",
}

// dlopenSource is the small loader libraries are judged by: dlopen(3)
// with RTLD_LAZY, as a program that brings nothing else.
const dlopenSource = `#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
	if (argc != 2) return 2;
	if (!dlopen(argv[1], RTLD_LAZY | RTLD_LOCAL)) { printf("%s\n", dlerror()); fflush(stdout); _exit(1); }
	printf("loaded\n"); fflush(stdout); _exit(0);
}
`

// pythonImport loads an extension module the way `import` does (dlopen
// with sys.getdlopenflags(), RTLD_NOW, then PyInit_*) without running any
// Python code of its package.
const pythonImport = `import importlib.machinery, importlib.util, os, sys
p = sys.argv[1]
name = os.path.basename(p).split(".")[0]
spec = importlib.util.spec_from_file_location(name, p, loader=importlib.machinery.ExtensionFileLoader(name, p))
try:
    importlib.util.module_from_spec(spec)
except BaseException as e:
    print(type(e).__name__ + ": " + str(e))
    sys.exit(1)
print("loaded")
`

// nodeDlopen loads an addon as require() does (process.dlopen, RTLD_LAZY).
const nodeDlopen = `try { process.dlopen({exports: {}}, process.argv[1]); console.log("loaded") } catch (e) { console.log(e.message); process.exit(1) }`

// loaderRefusal is what the loader says when it cannot load an object:
// a library or version not found, a file it will not map. Other errors
// (a module's init failing, an undefined symbol for a lazily bound
// function, a constructor crashing) come after every object was loaded.
var loaderRefusal = regexp.MustCompile(`cannot open shared object file|version .* not found|not found \(required by|wrong ELF class|invalid ELF header|file too short|ELF file's machine|ELF file OS ABI invalid|cannot dynamically load|=> not found|No such file or directory`)

var undefinedSymbol = regexp.MustCompile(`undefined symbol`)

// diffFile is one file of one tree: check's verdict and the loader's.
type diffFile struct {
	path    string
	kind    string // program, library, python, node, other-arch
	checkOK bool   // check found no error
	symOK   bool   // and none with --undefined-symbols
	loadOK  bool   // the loader loaded everything
	symLoad bool   // the loader also bound every symbol it was asked to
	why     string // the loader's message when it refused
	prog    string // the program whose process a library is judged in
	alone   bool   // such a library also loads alone (dlopen)
}

type diffTree struct {
	name  string
	roots []string
	hosts []string
	files []*diffFile
}

func TestLoaderDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real loader on thousands of files")
	}
	if runtime.GOARCH != "amd64" {
		t.Skip("the system trees are x86-64 Debian's")
	}
	gcc := elftest.LookPath(t, "gcc")
	python := elftest.LookPath(t, "python3")
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		python = "/usr/bin/python3" // dist-packages' own interpreter
	}
	node := elftest.LookPath(t, "node")
	work := t.TempDir()
	dlopener := filepath.Join(work, "dlopen")
	src := filepath.Join(work, "dlopen.c")
	require.NoError(t, os.WriteFile(src, []byte(dlopenSource), 0o644))
	out, err := exec.Command(gcc, "-o", dlopener, src, "-ldl").CombinedOutput()
	require.NoError(t, err, string(out))

	sysRoots := []string{"/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/lib/python3/dist-packages"}
	var trees []*diffTree
	trees = append(trees, &diffTree{name: "system", roots: sysRoots, hosts: []string{python}})
	patchedSys := filepath.Join(work, "sys")
	var copied []string
	for _, r := range sysRoots {
		dst := filepath.Join(patchedSys, r)
		copyELFTree(t, r, dst)
		copied = append(copied, dst)
	}
	autoPatch(t, copied, copied)
	trees = append(trees, &diffTree{name: "system, patched by auto", roots: copied, hosts: []string{python}})

	if nm := npmTree(t, filepath.Join(work, "npm")); nm != "" {
		trees = append(trees, &diffTree{name: "node modules", roots: []string{nm}, hosts: []string{node}})
		patched := filepath.Join(work, "npm-patched", "node_modules")
		require.NoError(t, os.MkdirAll(filepath.Dir(patched), 0o755))
		require.NoError(t, exec.Command("cp", "-a", nm, patched).Run())
		autoPatch(t, []string{patched}, []string{patched})
		trees = append(trees, &diffTree{name: "node modules, patched by auto", roots: []string{patched}, hosts: []string{node}})
		// A broken tree: sharp without its bundled libvips.
		broken := filepath.Join(work, "npm-broken", "node_modules")
		require.NoError(t, os.MkdirAll(filepath.Dir(broken), 0o755))
		require.NoError(t, exec.Command("cp", "-a", nm, broken).Run())
		vips, err := filepath.Glob(filepath.Join(broken, "@img/sharp-libvips-linux-x64/lib/libvips-cpp.so*"))
		require.NoError(t, err)
		require.NotEmpty(t, vips, "sharp-libvips ships no libvips-cpp.so")
		for _, v := range vips {
			require.NoError(t, os.Remove(v))
		}
		trees = append(trees, &diffTree{name: "node modules, sharp's libvips removed", roots: []string{broken}, hosts: []string{node}})
	}

	oracle := &loaderOracle{dlopen: dlopener, python: python, node: node}
	var report strings.Builder
	for _, tr := range trees {
		judge(t, tr)
		oracle.run(t, tr)
		tally(t, tr, &report)
	}
	crossArch(t, &report)
	t.Log("\n" + report.String())
	if p := os.Getenv("GOPATCHELF_DIFF_REPORT"); p != "" {
		require.NoError(t, os.WriteFile(p, []byte(report.String()), 0o644))
	}
}

// copyELFTree copies the ELF files and symlinks under src to dst, keeping
// the layout (the Python dist-info directories too, for their RECORDs).
func copyELFTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err == nil && !filepath.IsAbs(target) {
				_ = os.Symlink(target, to)
			}
			return nil
		case !d.Type().IsRegular():
			return nil
		}
		if !isELF(p) {
			return nil
		}
		return copyFile(p, to)
	})
	require.NoError(t, err)
}

func isELF(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	_, err = io.ReadFull(f, magic[:])
	return err == nil && string(magic[:]) == "\x7fELF"
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return nil // unreadable: left out
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm()|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// autoPatch runs `gopatchelf auto`'s hook on paths with libs, standalone
// (no interpreter given, the machine's libc left to the loader).
func autoPatch(t *testing.T, paths, libs []string) {
	t.Helper()
	libc := ""
	for _, d := range []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64"} {
		if _, err := os.Stat(filepath.Join(d, "libc.so.6")); err == nil {
			libc = d
			break
		}
	}
	_, err := hook.Run(context.Background(), hook.Config{
		Paths: paths, Libs: libs, LibcDir: libc, LibcNames: resolver.IsGlibc,
		Target:        resolver.Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB},
		IgnoreMissing: []string{"*"},
	})
	if err != nil {
		t.Logf("auto: %v", err) // files it could not rewrite stay as they were
	}
}

// npmTree unpacks the npm modules into dir/node_modules from the cache
// (GOPATCHELF_NPM_CACHE, else the user cache directory), fetching what is
// missing with `npm pack`. Without the registry the node tree is skipped,
// except under CI.
func npmTree(t *testing.T, dir string) string {
	t.Helper()
	cache := os.Getenv("GOPATCHELF_NPM_CACHE")
	if cache == "" {
		uc, err := os.UserCacheDir()
		require.NoError(t, err)
		cache = filepath.Join(uc, "gopatchelf-test", "npm")
	}
	require.NoError(t, os.MkdirAll(cache, 0o755))
	npm, err := exec.LookPath("npm")
	if err != nil {
		elftest.Unavailable(t, "npm is not installed: the node tree is not checked")
		return ""
	}
	nm := filepath.Join(dir, "node_modules")
	for _, spec := range npmModules {
		at := strings.LastIndexByte(spec, '@')
		name, version := spec[:at], spec[at+1:]
		tgz := filepath.Join(cache, strings.ReplaceAll(strings.TrimPrefix(name, "@"), "/", "-")+"-"+version+".tgz")
		if _, err := os.Stat(tgz); err != nil {
			cmd := exec.Command(npm, "pack", "--silent", spec)
			cmd.Dir = cache
			if out, err := cmd.CombinedOutput(); err != nil {
				if os.Getenv("CI") != "" {
					t.Fatalf("npm pack %s: %v\n%s", spec, err, out)
				}
				t.Logf("npm pack %s failed (registry unreachable?): the node tree is not checked\n%s", spec, out)
				return ""
			}
		}
		dst := filepath.Join(nm, name)
		require.NoError(t, os.MkdirAll(dst, 0o755))
		out, err := exec.Command("tar", "-xzf", tgz, "-C", dst, "--strip-components=1").CombinedOutput()
		require.NoError(t, err, string(out))
	}
	return nm
}

// judge runs Check on the tree twice: as `gopatchelf check ROOTS`, and
// with --undefined-symbols and the tree's --host.
func judge(t *testing.T, tr *diffTree) {
	t.Helper()
	x86 := resolver.Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	rep, err := Check(context.Background(), Config{Paths: tr.roots, Target: x86})
	require.NoError(t, err)
	symRep, err := Check(context.Background(), Config{Paths: tr.roots, Target: x86, Hosts: tr.hosts, UndefinedSymbols: true})
	require.NoError(t, err)
	failed := failures(rep)
	symFailed := failures(symRep)
	for _, f := range rep.Files {
		df := &diffFile{path: f.Path}
		abs, _ := filepath.Abs(f.Path)
		switch {
		case f.Skipped == "other architecture":
			df.kind = "other-arch"
		case f.Skipped != "":
			continue // static, debug objects: the loader has no say
		case f.Host == hostPython:
			df.kind = "python"
		case f.Host == hostNode:
			df.kind = "node"
		case isProgram(abs):
			df.kind = "program"
		default:
			df.kind = "library"
		}
		df.checkOK = !failed[f.Path]
		df.symOK = !symFailed[f.Path]
		if f.LoadedBy != "" && df.kind == "library" {
			// Judged in the process of the program that loads it: the
			// program's verdict against the program's real load.
			df.kind, df.prog = "library in a program", f.LoadedBy
			df.checkOK = !failed[f.LoadedBy]
			df.symOK = df.checkOK
		}
		tr.files = append(tr.files, df)
	}
}

func isProgram(p string) bool {
	f, err := stdelf.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, ph := range f.Progs {
		if ph.Type == stdelf.PT_INTERP {
			return true
		}
	}
	return false
}

// failures are the files with an error that keeps them from loading.
func failures(rep *Report) map[string]bool {
	out := map[string]bool{}
	for _, f := range rep.Findings {
		if f.Severity == Error && f.Kind != DuplicateLibrary {
			out[f.File] = true
		}
	}
	return out
}

type loaderOracle struct {
	dlopen, python, node string
}

// run asks the real loader about every file of the tree, two at a time.
func (o *loaderOracle) run(t *testing.T, tr *diffTree) {
	t.Helper()
	work := make(chan *diffFile)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				o.load(f)
			}
		}()
	}
	for _, f := range tr.files {
		work <- f
	}
	close(work)
	wg.Wait()
}

// load sets loadOK/symLoad/why for one file:
//   - a program: executed with LD_TRACE_LOADED_OBJECTS=1 (the loader maps
//     everything, checks versions and exits before main); a program that is
//     not executable goes through its interpreter's --list;
//   - a library: dlopen(RTLD_LAZY) by the small loader;
//   - a Python extension: imported by the host (RTLD_NOW);
//   - a node addon: process.dlopen by node.
func (o *loaderOracle) load(f *diffFile) {
	var out string
	switch f.kind {
	case "program":
		st, err := os.Stat(f.path)
		if err == nil && st.Mode()&0o111 != 0 {
			out = runQuiet([]string{"LD_TRACE_LOADED_OBJECTS=1"}, f.path)
		} else if ef, err := stdelf.Open(f.path); err == nil {
			interp := ""
			for _, p := range ef.Progs {
				if p.Type == stdelf.PT_INTERP {
					b := make([]byte, p.Filesz)
					_, _ = p.ReadAt(b, 0)
					interp = strings.TrimRight(string(b), "\x00")
				}
			}
			ef.Close()
			out = runQuiet(nil, interp, "--list", f.path)
		}
	case "python":
		out = runQuiet(nil, o.python, "-c", pythonImport, f.path)
	case "node":
		out = runQuiet(nil, o.node, "-e", nodeDlopen, f.path)
	case "library in a program":
		out = runQuiet([]string{"LD_TRACE_LOADED_OBJECTS=1"}, f.prog)
		f.alone = !loaderRefusal.MatchString(runQuiet(nil, o.dlopen, f.path))
	default: // library, other-arch
		out = runQuiet(nil, o.dlopen, f.path)
	}
	f.loadOK = !loaderRefusal.MatchString(out) && !strings.Contains(out, "exec failed:")
	f.symLoad = f.loadOK && !(f.kind == "python" && undefinedSymbol.MatchString(out))
	if !f.loadOK || !f.symLoad {
		f.why = refusal(out)
	}
}

// refusal is the loader's line that says why, else the first line.
func refusal(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range lines {
		if loaderRefusal.MatchString(l) || undefinedSymbol.MatchString(l) || strings.Contains(l, "exec failed:") {
			return strings.TrimSpace(l)
		}
	}
	return lines[0]
}

// runQuiet runs a command with only env (and LC_ALL=C), no stdin, for
// at most 20 s, and returns its output; "exec failed: …" when the kernel
// would not start it.
func runQuiet(env []string, prog string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = append([]string{"LC_ALL=C", "PATH=/usr/bin:/bin"}, env...)
	cmd.Dir = os.TempDir()
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) && ctx.Err() == nil {
		return b.String() + "\nexec failed: " + err.Error()
	}
	return b.String()
}

// tally compares the verdicts, fails the test on any disagreement, and
// writes the counts.
func tally(t *testing.T, tr *diffTree, w *strings.Builder) {
	t.Helper()
	kinds := map[string][]*diffFile{}
	for _, f := range tr.files {
		kinds[f.kind] = append(kinds[f.kind], f)
	}
	fmt.Fprintf(w, "%s (%s):\n", tr.name, strings.Join(tr.roots, " "))
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		files := kinds[k]
		var agree, falseAlarm, miss, loads, symErrs, broken int
		for _, f := range files {
			if k == "other-arch" {
				if !f.loadOK {
					agree++ // listed, not checked; the loader refuses it too
				} else {
					miss++
					t.Errorf("%s: %s: the loader loads a file check calls another architecture", tr.name, f.path)
				}
				continue
			}
			if !f.loadOK {
				broken++
				t.Logf("%s: does not load: %s (%s): %s", tr.name, f.path, k, f.why)
			}
			switch {
			case f.checkOK == f.loadOK:
				agree++
			case !f.checkOK:
				falseAlarm++
				t.Errorf("%s: false alarm: %s (%s) loads, check reports an error", tr.name, f.path, k)
			default:
				miss++
				t.Errorf("%s: miss: %s (%s) does not load (%s), check finds nothing", tr.name, f.path, k, f.why)
			}
			if (k == "python" || k == "node") && f.symLoad {
				loads++
				if !f.symOK {
					symErrs++
					t.Errorf("%s: --undefined-symbols error on %s, which loads in its host", tr.name, f.path)
				}
			}
		}
		fmt.Fprintf(w, "  %-21s agree %d/%d, false alarms %d, misses %d, not loading %d", k, agree, len(files), falseAlarm, miss, broken)
		if k == "library in a program" {
			alone := 0
			for _, f := range files {
				if f.alone {
					alone++
				}
			}
			fmt.Fprintf(w, " (%d also load alone)", alone)
		}
		if k == "python" || k == "node" {
			fmt.Fprintf(w, "; --undefined-symbols errors on the %d that load: %d", loads, symErrs)
		}
		fmt.Fprintln(w)
	}
	assert.NotEmpty(t, tr.files, tr.name)
}

// crossArch is the differential on the transitive fixtures of every
// foreign arch, unpatched and patched by auto, checked against the cross
// sysroot (Config.Sysroot) and run under qemu-user -L.
func crossArch(t *testing.T, w *strings.Builder) {
	t.Helper()
	var agree, total int
	for _, a := range elftest.Arches() {
		if a.GOARCH == "amd64" {
			continue
		}
		sysroot := a.Sysroot()
		if _, err := os.Stat(sysroot + a.Interp); err != nil {
			elftest.Unavailable(t, "%s: no loader in %s", a.Name, sysroot)
			continue
		}
		r := elftest.NewRunner(t, a)
		for _, patched := range []bool{false, true} {
			root := tempRoot(t)
			for _, name := range []string{"prog", "libfoo.so"} {
				dir := "out/lib"
				if name == "prog" {
					dir = "out/bin"
				}
				put(t, filepath.Join(root, dir, name), fixtureBytes(t, a.Name+"/transitive/"+name))
			}
			put(t, filepath.Join(root, "store/lib/libbar.so"), fixtureBytes(t, a.Name+"/transitive/libbar.so"))
			if patched {
				_, err := hook.Run(context.Background(), hook.Config{
					Paths: []string{filepath.Join(root, "out")}, Libs: []string{filepath.Join(root, "store/lib")},
					Target:        resolver.Platform{Machine: a.Machine, Class: a.Class, Data: a.Data},
					IgnoreMissing: []string{"libc.so.6"},
				})
				require.NoError(t, err)
			}
			rep, err := Check(context.Background(), Config{Paths: []string{filepath.Join(root, "out")}, Sysroot: sysroot})
			require.NoError(t, err)
			failed := failures(rep)
			prog := filepath.Join(root, "out/bin/prog")
			res := r.Run(t, nil, prog)
			checkOK := !failed[prog]
			total++
			if assert.Equal(t, res.ExitCode == 0, checkOK, "%s patched=%v: check %v, run %s", a.Name, patched, checkOK, res) {
				agree++
			}
			// The library: its loader's --list, under qemu.
			lib := filepath.Join(root, "out/lib/libfoo.so")
			out := runQuiet(nil, r.Qemu, "-L", sysroot, sysroot+a.Interp, "--list", lib)
			libOK := !loaderRefusal.MatchString(out)
			total++
			if assert.Equal(t, libOK, !failed[lib], "%s patched=%v: libfoo.so: %s", a.Name, patched, out) {
				agree++
			}
		}
	}
	fmt.Fprintf(w, "cross-arch fixtures (6 arches under qemu-user, unpatched and patched by auto):\n  agree %d/%d, false alarms and misses %d\n", agree, total, total-agree)
}
