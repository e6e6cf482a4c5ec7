package elftest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Unavailable skips the test because something it needs (a tool, a
// sysroot) is missing — unless the environment variable CI is set, where
// .ci/run has installed everything and a missing piece is a failure.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s (CI is set, so this is a failure: .ci/run installs it)", msg)
	}
	tb.Skipf("%s (skipped; with CI set this fails)", msg)
}

// LookPath returns the path of an external tool, or calls [Unavailable].
func LookPath(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Unavailable(tb, "%s not found in PATH", name)
	}
	return path
}

// Complaints runs `readelf -lSdW` and `eu-elflint --gnu-ld` on path and
// returns what they report as wrong, one line each: readelf's warnings and
// errors (it prints them on stderr), elflint's findings, and a line for a
// non-zero exit. The file's path is replaced by "FILE" so that the
// complaints about an input and its rewritten copy can be compared with
// [NewComplaints].
func Complaints(tb testing.TB, path string) []string {
	tb.Helper()
	var out []string
	add := func(tool string, text []byte) {
		for line := range strings.Lines(string(text)) {
			if line = strings.TrimSpace(strings.ReplaceAll(line, path, "FILE")); line != "" {
				out = append(out, tool+": "+line)
			}
		}
	}

	readelf := exec.Command(LookPath(tb, "readelf"), "-lSdW", path)
	readelf.Env = []string{"LC_ALL=C"}
	var stderr bytes.Buffer
	readelf.Stderr = &stderr
	err := readelf.Run()
	add("readelf", stderr.Bytes())
	if exit := exitCode(tb, "readelf", err); exit != 0 {
		out = append(out, fmt.Sprintf("readelf: exit status %d", exit))
	}

	elflint := exec.Command(LookPath(tb, "eu-elflint"), "--gnu-ld", "--quiet", path)
	elflint.Env = []string{"LC_ALL=C"}
	text, err := elflint.CombinedOutput()
	add("eu-elflint", text)
	if exit := exitCode(tb, "eu-elflint", err); exit != 0 {
		out = append(out, fmt.Sprintf("eu-elflint: exit status %d", exit))
	}
	return out
}

// exitCode returns the exit status of a finished command, failing the test
// when it could not run at all.
func exitCode(tb testing.TB, tool string, err error) int {
	tb.Helper()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	tb.Fatalf("%s: %v", tool, err)
	return -1
}

var numbers = regexp.MustCompile(`\b(0x[0-9a-fA-F]+|[0-9]+)\b`)

// NewComplaints returns the complaints in after that are not in before,
// comparing lines with numbers masked ("section [ 5]" and "section [ 6]"
// are the same complaint about a moved section) and counting repeats, so a
// rewrite that adds one more instance of an old problem is still caught.
func NewComplaints(before, after []string) []string {
	seen := map[string]int{}
	for _, line := range before {
		seen[numbers.ReplaceAllString(line, "N")]++
	}
	var added []string
	for _, line := range after {
		key := numbers.ReplaceAllString(line, "N")
		if seen[key] > 0 {
			seen[key]--
			continue
		}
		added = append(added, line)
	}
	slices.Sort(added)
	return added
}

// PatchelfPrint runs Debian's patchelf with one print operation
// ("--print-rpath", "--print-interpreter", "--print-needed",
// "--print-soname", …) and returns its stdout without the final newline.
// A non-zero exit is returned as an error holding patchelf's stderr: the
// differential tests compare refusals too.
func PatchelfPrint(tb testing.TB, path, op string) (string, error) {
	tb.Helper()
	if !strings.HasPrefix(op, "--print-") {
		tb.Fatalf("PatchelfPrint: %q is not a print operation", op)
	}
	cmd := exec.Command(LookPath(tb, "patchelf"), op, path)
	cmd.Env = []string{"LC_ALL=C"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exitCode(tb, "patchelf", err) != 0 {
		return stdout.String(), fmt.Errorf("patchelf %s %s: %v: %s", op, path, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSuffix(stdout.String(), "\n"), nil
}
