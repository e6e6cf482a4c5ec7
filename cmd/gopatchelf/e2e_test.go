package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
)

// need returns the path of a tool the test cannot do without: a missing
// tool skips the test locally and fails it in CI (env CI set).
func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", tool, err)
		}
		t.Skipf("%s not installed", tool)
	}
	return p
}

// sh runs a command in dir and fails the test with its output on error.
func sh(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s\n%s", name, strings.Join(args, " "), out)
	return string(out)
}

// cleanEnv is the environment without anything that would let the dynamic
// loader find libraries other than through the files' own RUNPATH.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LD_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func runClean(dir, prog string, args ...string) (string, error) {
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

const loaderC = `
#include <dlfcn.h>
#include <stdio.h>
/* loader: dlopen each argument, call its probe(), print what it returns. */
int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		void *h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
		if (!h) { printf("FAIL %s\n", dlerror()); return 1; }
		const char *(*probe)(void) = (const char *(*)(void))dlsym(h, "probe");
		if (!probe) { printf("FAIL %s: no probe\n", argv[i]); return 1; }
		printf("%s\n", probe());
	}
	return 0;
}
`

// provider is one library of a fake store path: it returns its name.
const providerC = `const char *NAME(void) { return "NAME"; }`

// module is an extension module whose probe() calls into its libraries.
const moduleC = `
#include <stdio.h>
DECLS
const char *probe(void) {
	static char buf[512];
	snprintf(buf, sizeof buf, "MODULE:" FORMAT, CALLS);
	return buf;
}
`

func moduleSource(name string, deps ...string) string {
	var decls, calls []string
	for _, d := range deps {
		decls = append(decls, "const char *"+d+"(void);")
		calls = append(calls, d+"()")
	}
	s := strings.ReplaceAll(moduleC, "DECLS", strings.Join(decls, "\n"))
	s = strings.ReplaceAll(s, "MODULE", name)
	s = strings.ReplaceAll(s, "FORMAT", `"`+strings.Repeat(` %s`, len(deps))+`"`)
	return strings.ReplaceAll(s, "CALLS", strings.Join(calls, ", "))
}

// TestEndToEndSitePackages is the proof: a tree shaped like a
// Python site-packages, patched by `gopatchelf auto` against fake store
// paths, after which the program runs and every extension module loads
// with dlopen, with no LD_LIBRARY_PATH: each DT_NEEDED is found only
// through the RUNPATH written.
func TestEndToEndSitePackages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs a Linux dynamic loader")
	}
	gcc := need(t, "gcc")
	for _, mode := range []struct {
		name  string
		flags []string
	}{
		{"default", nil},
		{"preserve-origin", []string{"--preserve-origin"}},
		{"relative-rpaths", []string{"--relative-rpaths"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			root, err := filepath.EvalSymlinks(t.TempDir())
			require.NoError(t, err)
			site := "out/lib/python3.14/site-packages"
			src := filepath.Join(root, "src")
			require.NoError(t, os.MkdirAll(src, 0o755))
			mkdir := func(d string) string {
				p := filepath.Join(root, d)
				require.NoError(t, os.MkdirAll(p, 0o755))
				return p
			}
			writeSrc := func(name, text string) string {
				p := filepath.Join(src, name)
				require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
				return p
			}
			cc := func(args ...string) { sh(t, root, gcc, args...) }

			// Fake store paths, one library each.
			store := map[string]string{ // soname -> dir
				"libpq.so.5":          "store/aaaa-libpq-17/lib",
				"libgssapi_krb5.so.2": "store/bbbb-krb5-1.21-lib/lib",
				"libxml2.so.2":        "store/cccc-libxml2-2.13/lib",
				"libz.so.1":           "store/dddd-zlib-1.3/lib",
			}
			// Unique names: the host may have libraries of the same names.
			fn := map[string]string{"libpq.so.5": "gopatchelf_pq", "libgssapi_krb5.so.2": "gopatchelf_gss",
				"libxml2.so.2": "gopatchelf_xml", "libz.so.1": "gopatchelf_z"}
			for soname, dir := range store {
				mkdir(dir)
				c := writeSrc(fn[soname]+".c", strings.ReplaceAll(providerC, "NAME", fn[soname]))
				cc("-shared", "-fPIC", "-Wl,-soname,"+soname, "-o", filepath.Join(dir, soname), c)
			}
			require.NoError(t, os.Symlink("libpq.so.5", filepath.Join(root, store["libpq.so.5"], "libpq.so")))

			// An auditwheel-style bundle: hashed names, $ORIGIN RPATH.
			libs := mkdir(site + "/pillow.libs")
			zc := writeSrc("zbundled.c", strings.ReplaceAll(providerC, "NAME", "zbundled"))
			cc("-shared", "-fPIC", "-Wl,-soname,libz-deadbeef.so.1.3", "-o", filepath.Join(libs, "libz-deadbeef.so.1.3"), zc)
			jc := writeSrc("jpeg.c", `#include <stdio.h>
const char *zbundled(void);
const char *jpeg(void) { static char b[64]; snprintf(b, sizeof b, "jpeg: %s", zbundled()); return b; }`)
			cc("-shared", "-fPIC", "-Wl,-soname,libjpeg-1a2b3c4d.so.62.4.0", "-Wl,--disable-new-dtags,-rpath,$ORIGIN",
				"-o", filepath.Join(libs, "libjpeg-1a2b3c4d.so.62.4.0"), jc, "-L"+libs, "-l:libz-deadbeef.so.1.3")

			// A library of the output itself, reached through a symlink.
			mkdir("out/lib")
			hc := writeSrc("helper.c", strings.ReplaceAll(providerC, "NAME", "helper"))
			cc("-shared", "-fPIC", "-Wl,-soname,libhelper.so.1", "-o", "out/lib/libhelper.so.1.0.0", hc)
			require.NoError(t, os.Symlink("libhelper.so.1.0.0", filepath.Join(root, "out/lib/libhelper.so.1")))

			// Extension modules.
			modules := []struct {
				path   string
				deps   []string // functions called
				link   []string // linker arguments
				expect string
			}{
				{site + "/psycopg_c/_psycopg.cpython-314-x86_64-linux-gnu.so", []string{"gopatchelf_pq"},
					[]string{"-L" + store["libpq.so.5"], "-l:libpq.so.5"}, "psycopg_c: gopatchelf_pq"},
				{site + "/gssapi/raw/misc.cpython-314-x86_64-linux-gnu.so", []string{"gopatchelf_gss"},
					[]string{"-L" + store["libgssapi_krb5.so.2"], "-l:libgssapi_krb5.so.2"}, "gssapi: gopatchelf_gss"},
				{site + "/lxml/etree.cpython-314-x86_64-linux-gnu.so", []string{"gopatchelf_xml", "gopatchelf_z"},
					[]string{"-L" + store["libxml2.so.2"], "-l:libxml2.so.2", "-L" + store["libz.so.1"], "-l:libz.so.1"}, "lxml: gopatchelf_xml gopatchelf_z"},
				{site + "/PIL/_imaging.cpython-314-x86_64-linux-gnu.so", []string{"jpeg"},
					[]string{"-Wl,--disable-new-dtags,-rpath,$ORIGIN/../pillow.libs", "-L" + libs, "-l:libjpeg-1a2b3c4d.so.62.4.0"},
					"PIL: jpeg: zbundled"},
				{site + "/mypkg/_native.abi3.so", []string{"helper"},
					[]string{"-Lout/lib", "-l:libhelper.so.1"}, "mypkg: helper"},
			}
			var modulePaths []string
			for _, m := range modules {
				mkdir(filepath.Dir(m.path))
				name := strings.SplitN(strings.TrimPrefix(m.path, site+"/"), "/", 2)[0]
				c := writeSrc(name+".c", moduleSource(name, m.deps...))
				cc(append([]string{"-shared", "-fPIC", "-o", m.path, c}, m.link...)...)
				modulePaths = append(modulePaths, filepath.Join(root, m.path))
			}

			// A program, a static one, an object file, a foreign-arch
			// library and a text file with a library's name.
			mkdir("out/bin")
			pc := writeSrc("tool.c", `#include <stdio.h>
const char *gopatchelf_pq(void); const char *helper(void);
int main(void) { printf("tool: %s %s\n", gopatchelf_pq(), helper()); return 0; }`)
			cc("-o", "out/bin/tool", pc, "-L"+store["libpq.so.5"], "-l:libpq.so.5", "-Lout/lib", "-l:libhelper.so.1")
			cc("-static", "-o", "out/bin/static-tool", writeSrc("static.c", `int main(void) { return 0; }`))
			cc("-c", "-o", "out/lib/thing.o", hc)
			require.NoError(t, os.WriteFile(filepath.Join(root, site, "fake.so"), []byte("not an ELF file\n"), 0o644))
			mkdir(site + "/foreign")
			foreign := filepath.Join(root, site, "foreign/_arm.so")
			if armcc, err := exec.LookPath("aarch64-linux-gnu-gcc"); err == nil {
				sh(t, root, armcc, "-shared", "-fPIC", "-o", foreign, hc)
			} else {
				require.NoError(t, os.WriteFile(foreign, fixture(t, "aarch64/pie/libfoo.so"), 0o755))
			}

			loader := filepath.Join(root, "loader")
			cc("-o", loader, writeSrc("loader.c", loaderC), "-ldl")
			lf, err := elf.Open(loader)
			require.NoError(t, err)
			interp := lf.Interpreter
			lf.Close()
			// The libc dir holds glibc's libraries only, as in Nix; the
			// host's /usr/lib would also hold a libpq.so.5 and friends.
			hostLibc := filepath.Dir(filepath.Clean(strings.TrimSpace(sh(t, root, gcc, "-print-file-name=libc.so.6"))))
			libcDir := mkdir("glibc/lib")
			for _, name := range []string{"libc.so.6", "libdl.so.2", "libm.so.6", "libpthread.so.0"} {
				if _, err := os.Stat(filepath.Join(hostLibc, name)); err == nil {
					require.NoError(t, os.Symlink(filepath.Join(hostLibc, name), filepath.Join(libcDir, name)))
				}
			}

			// Before: the loader cannot find the store libraries.
			out, err := runClean(root, loader, modulePaths[0])
			require.Error(t, err, "psycopg must not load before patching:\n%s", out)
			// The host may have a libpq.so.5 of its own, without our symbol.
			assert.Regexp(t, `libpq\.so\.5: cannot open shared object file|undefined symbol: gopatchelf_pq`, out)
			staticBefore, err := os.ReadFile(filepath.Join(root, "out/bin/static-tool"))
			require.NoError(t, err)

			args := []string{"auto", "--paths", "out", "--libs"}
			for _, s := range []string{"libpq.so.5", "libgssapi_krb5.so.2", "libxml2.so.2", "libz.so.1"} {
				args = append(args, store[s])
			}
			// A copy of the host's dynamic linker at another, longer path
			// stands for Nix's: the programs must start through it.
			ldso, err := os.ReadFile(interp)
			require.NoError(t, err)
			newInterp := filepath.Join(libcDir, "ld-gopatchelf-test-"+filepath.Base(interp))
			require.NoError(t, os.WriteFile(newInterp, ldso, 0o755))
			args = append(args, "--interpreter", newInterp, "--libc-dir", libcDir)
			args = append(args, mode.flags...)
			t.Chdir(root)
			t.Setenv("NIX_BINTOOLS", "")
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
			require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			assert.Empty(t, stderr.String())
			log := stdout.String()
			assert.Contains(t, log, "skipping out/bin/static-tool because it is statically linked\n")
			assert.Contains(t, log, "skipping out/lib/thing.o because it contains no segment\n")
			assert.Contains(t, log, "skipping "+site+"/foreign/_arm.so because its architecture (AArch64) differs from target (x64)\n")
			assert.NotContains(t, log, "fake.so")
			assert.Contains(t, log, "setting interpreter of out/bin/tool\n")
			assert.Contains(t, log, "auto-patchelf: 0 dependencies could not be satisfied\n")

			// After: the program runs and every module loads, with no
			// LD_LIBRARY_PATH.
			out, err = runClean(root, filepath.Join(root, "out/bin/tool"))
			if err != nil {
				t.Log(log)
				t.Log(sh(t, root, "readelf", "-dl", "out/bin/tool"))
			}
			require.NoError(t, err, out)
			assert.Equal(t, "tool: gopatchelf_pq helper\n", out)
			out, err = runClean(root, loader, modulePaths...)
			require.NoError(t, err, out)
			var want []string
			for _, m := range modules {
				want = append(want, m.expect)
			}
			assert.Equal(t, strings.Join(want, "\n")+"\n", out)

			toolELF, err := elf.Open(filepath.Join(root, "out/bin/tool"))
			require.NoError(t, err)
			assert.Equal(t, newInterp, toolELF.Interpreter)
			toolELF.Close()

			imaging, err := elf.Open(filepath.Join(root, modules[3].path))
			require.NoError(t, err)
			defer imaging.Close()
			assert.True(t, imaging.HasRunpath, "DT_RPATH converted to DT_RUNPATH")
			assert.False(t, imaging.HasRpath)
			switch mode.name {
			case "default":
				assert.Equal(t, filepath.Join(root, site, "pillow.libs"), imaging.Runpath)
			case "preserve-origin", "relative-rpaths":
				assert.Equal(t, "$ORIGIN/../pillow.libs", imaging.Runpath)
			}
			staticAfter, err := os.ReadFile(filepath.Join(root, "out/bin/static-tool"))
			require.NoError(t, err)
			assert.Equal(t, staticBefore, staticAfter)

			// A second run finds nothing to change.
			before := treeStamps(t, filepath.Join(root, "out"))
			stdout.Reset()
			stderr.Reset()
			code = run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
			require.Equal(t, 0, code, stderr.String())
			assert.Equal(t, before, treeStamps(t, filepath.Join(root, "out")))
		})
	}
}

// treeStamps maps each regular file under root to its inode and mtime.
func treeStamps(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		out[p] = fi.ModTime().String() + " " + inode(fi)
		return nil
	}))
	return out
}
