package main

import (
	"bufio"
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

// readmeExamples returns the gopatchelf command lines of the README's
// code block marked "<!-- readme-test: NAME -->".
func readmeExamples(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	defer f.Close()
	var cmds [][]string
	state := 0 // 0 before the marker, 1 before the block, 2 in it
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case state == 0 && line == "<!-- readme-test: "+name+" -->":
			state = 1
		case state == 1 && strings.HasPrefix(line, "```"):
			state = 2
		case state == 2 && strings.HasPrefix(line, "```"):
			return cmds
		case state == 2 && strings.HasPrefix(line, "gopatchelf "):
			cmds = append(cmds, strings.Fields(line)[1:])
		}
	}
	require.NoError(t, sc.Err())
	t.Fatalf("README.md has no complete block marked readme-test: %s", name)
	return nil
}

// TestREADMEOutsideNix runs the README's outside-Nix example lines, as
// written, on a tree copied from this machine's programs (their
// libraries renamed so that only the RUNPATH written finds them), and
// runs the programs after each line.
func TestREADMEOutsideNix(t *testing.T) {
	cmds := readmeExamples(t, "outside-nix")
	require.Len(t, cmds, 3)
	if runtime.GOARCH != "amd64" {
		t.Skip("the README's example names x86-64's dynamic linker")
	}
	if _, err := os.Stat("/lib64/ld-linux-x86-64.so.2"); err != nil {
		t.Skip("no /lib64/ld-linux-x86-64.so.2 (not a Debian, Ubuntu or Fedora layout)")
	}
	outsideNix(t)
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	var progs []string
	for _, p := range availablePrograms(t) {
		progs = append(progs, copyProgram(t, p, filepath.Join(root, "out"), []string{filepath.Join(root, "vendor/lib")}, true))
	}
	t.Chdir(root)
	for _, args := range cmds {
		code, stdout, stderr := runCmd(t, args...)
		require.Equal(t, exitOK, code, "gopatchelf %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), stdout, stderr)
		for _, p := range progs {
			f, err := elf.Open(p)
			require.NoError(t, err)
			assert.Equal(t, filepath.Join(root, "vendor/lib"), f.Runpath, p)
			if args[0] == "auto" && strings.Contains(strings.Join(args, " "), "--interpreter") {
				assert.Equal(t, "/lib64/ld-linux-x86-64.so.2", f.Interpreter, p)
			}
			f.Close()
			cmd := exec.Command(p, "--version")
			cmd.Env = cleanEnv()
			out, err := cmd.CombinedOutput()
			assert.NoError(t, err, "%s after gopatchelf %s: %s", p, strings.Join(args, " "), out)
		}
	}
}
