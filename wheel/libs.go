package wheel

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// ScanLibs lists the shared libraries directly in each directory (not
// recursively), in the order given and by name within a directory, for
// [Config.Libs]. A symlink counts under its own name, in the directory of
// its target when the target has the same name, else in its own (the rule
// of `gopatchelf auto`). Missing directories and files that are not ELF
// are skipped; other errors are returned.
func ScanLibs(dirs []string) ([]resolver.Library, error) {
	var libs []resolver.Library
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, err
		}
		entries, err := os.ReadDir(abs)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !strings.Contains(e.Name(), ".so") {
				continue
			}
			p := filepath.Join(abs, e.Name())
			f, err := elf.Open(p)
			if err != nil {
				continue // not ELF, dangling link, unreadable: not a provider
			}
			lib := resolver.Library{Name: e.Name(), Dir: abs, Platform: platformOf(f)}
			debug := f.IsDebugObject()
			f.Close()
			if debug {
				continue
			}
			if real, err := filepath.EvalSymlinks(p); err == nil && filepath.Base(real) == e.Name() {
				lib.Dir = filepath.Dir(real)
			}
			libs = append(libs, lib)
		}
	}
	return libs, nil
}
