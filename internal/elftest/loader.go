package elftest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// HostLoader returns where the arch's dynamic loader is on this machine:
// its PT_INTERP path when programs run natively, inside the sysroot
// otherwise. It calls [Unavailable] when the loader is missing.
func HostLoader(tb testing.TB, a Arch) string {
	tb.Helper()
	path := a.Interp
	if a.GOARCH != runtime.GOARCH {
		path = a.Sysroot() + a.Interp
	}
	if _, err := os.Stat(path); err != nil {
		Unavailable(tb, "%s: dynamic loader missing: %v", a.Name, err)
	}
	return path
}

// CopyLoader copies the arch's dynamic loader into a fresh directory under
// tb.TempDir() and returns the copy's path, which is longer than a.Interp
// and at least minLen bytes (below PATH_MAX, 4096): a program whose PT_INTERP is set to it needs
// a bigger string than the linker wrote. The copy keeps the loader's file
// name, so it is still recognised as the loader glibc's libc.so.6 needs.
func CopyLoader(tb testing.TB, a Arch, minLen int) string {
	tb.Helper()
	data, err := os.ReadFile(HostLoader(tb, a))
	if err != nil {
		tb.Fatalf("copy loader: %v", err)
	}
	name := filepath.Base(a.Interp)
	minLen = max(minLen, len(a.Interp)+1)
	dir := filepath.Join(tb.TempDir(), "loader-at-a-longer-path")
	// Pad in components of at most 200 bytes: NAME_MAX is 255.
	for pad := minLen - len(dir) - 1 - len(name); pad > 0; pad = minLen - len(dir) - 1 - len(name) {
		dir = filepath.Join(dir, strings.Repeat("x", min(pad, 200)))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("copy loader: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o755); err != nil {
		tb.Fatalf("copy loader: %v", err)
	}
	return path
}
