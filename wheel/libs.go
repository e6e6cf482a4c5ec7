package wheel

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/relink"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// ScanLibs lists the shared libraries for [Config.Libs] the way `gopatchelf
// auto` indexes --libs: each entry in order — a directory (its files whose
// name contains ".so", by name, not recursively) or a single library file —
// and then, breadth-first, the directories named by the non-$ORIGIN
// RUNPATH (else RPATH) entries of the libraries found. A symlink counts
// under its own name, in the directory of its target when the target has
// the same name, else in its own. Missing entries and files that are not
// ELF are skipped; a directory that exists but cannot be listed is an
// error.
func ScanLibs(entries []string) ([]resolver.Library, error) {
	var libs []resolver.Library
	seen := map[string]bool{}
	queue := append([]string(nil), entries...)
	for len(queue) > 0 {
		entry := queue[0]
		queue = queue[1:]
		abs, err := filepath.Abs(entry)
		if err != nil {
			return nil, err
		}
		if seen[abs] {
			continue
		}
		seen[abs] = true
		st, err := os.Stat(abs)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var files []string
		if st.IsDir() {
			des, err := os.ReadDir(abs)
			if err != nil {
				return nil, err
			}
			for _, de := range des {
				if strings.Contains(de.Name(), ".so") {
					files = append(files, filepath.Join(abs, de.Name()))
				}
			}
		} else {
			files = []string{abs}
		}
		for _, p := range files {
			lib, runpath, ok := readLib(p)
			if !ok {
				continue
			}
			libs = append(libs, lib)
			queue = append(queue, runpath...)
		}
	}
	return libs, nil
}

// readLib parses one library candidate; ok is false for anything that is
// not a usable ELF library.
func readLib(p string) (lib resolver.Library, runpath []string, ok bool) {
	f, err := elf.Open(p)
	if err != nil {
		return lib, nil, false // not ELF, dangling link, unreadable: not a provider
	}
	defer f.Close()
	if f.IsDebugObject() {
		return lib, nil, false
	}
	name := filepath.Base(p)
	lib = resolver.Library{Name: name, Dir: filepath.Dir(p), Platform: relink.PlatformOf(f)}
	if real, err := filepath.EvalSymlinks(p); err == nil && filepath.Base(real) == name {
		lib.Dir = filepath.Dir(real)
	}
	for _, e := range strings.Split(f.SearchPath(), ":") {
		if e != "" && !strings.Contains(e, "$ORIGIN") && !strings.Contains(e, "${ORIGIN}") && filepath.IsAbs(e) {
			runpath = append(runpath, e)
		}
	}
	return lib, runpath, true
}
