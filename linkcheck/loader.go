package linkcheck

import (
	"bytes"
	stdelf "debug/elf"
	"encoding/binary"
	"io"
	"os"
	"path"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
)

// maxLoaderBytes bounds how much of a dynamic loader is read to find its
// built-in directories: glibc's ld.so is about 250 KiB.
const maxLoaderBytes = 16 << 20

// loaderInfo is what a dynamic loader searches by default, read from the
// loader file itself.
type loaderInfo struct {
	// dirs are the directories it searches last, in order.
	dirs []string
	// cache is the ld.so.cache file it reads before them ("" for none).
	cache string
	// from says how dirs were found: "loader" (glibc's system_dirs table
	// in the loader's bytes), "own-dir" (a loader outside the system
	// directories, as Nix's glibc, searches its own directory) or
	// "system" (the standard directories for the architecture).
	from string
}

// systemDirs are the directories a loader of a Linux distribution lives
// in: one that lives elsewhere (the Nix store) was built with its own
// prefix.
func isSystemDir(dir string, h elf.FileHeader) bool {
	switch dir {
	case "/lib", "/lib64", "/lib32", "/libx32", "/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libx32":
		return true
	}
	if t := multiarchTriple(h); t != "" && (dir == "/lib/"+t || dir == "/usr/lib/"+t) {
		return true
	}
	return false
}

// readLoader finds the default directories of the loader at interp for
// files of header h. glibc compiles them into ld.so as system_dirs, a run
// of NUL-terminated absolute paths ending in '/', right after the array
// of their lengths (dl-load.c); that table is looked for first. Without it
// (another libc, a stand-in), a loader outside the system directories is
// taken to search its own directory, as a glibc built by Nix does, and a
// system one the standard directories ([DefaultDirs]).
func readLoader(interp string, o *object, h elf.FileHeader) loaderInfo {
	if o != nil && o.f != nil {
		if data, err := readHead(o.disk, maxLoaderBytes); err == nil {
			bo := binary.ByteOrder(binary.LittleEndian)
			if o.f.Data == stdelf.ELFDATA2MSB {
				bo = binary.BigEndian
			}
			word := 8
			if o.f.Class == stdelf.ELFCLASS32 {
				word = 4
			}
			if dirs := systemDirsTable(data, bo, word); len(dirs) > 0 {
				return loaderInfo{dirs: dirs, cache: cachePath(data), from: "loader"}
			}
		}
	}
	dir := path.Dir(path.Clean(interp))
	if !isSystemDir(dir, h) {
		return loaderInfo{dirs: []string{dir}, from: "own-dir"}
	}
	return loaderInfo{dirs: DefaultDirs(h), cache: "/etc/ld.so.cache", from: "system"}
}

func readHead(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// systemDirsTable finds glibc's system_dirs in a loader's bytes: strings
// "/…/" separated by NUL, immediately preceded by one word per string
// holding its length. It returns the directories without their final '/'.
func systemDirsTable(data []byte, bo binary.ByteOrder, word int) []string {
	for i := 0; i < len(data); {
		j := bytes.Index(data[i:], []byte("\x00/"))
		if j < 0 {
			return nil
		}
		start := i + j + 1
		i = start
		var dirs []string
		p := start
		for p < len(data) && data[p] == '/' {
			end := bytes.IndexByte(data[p:], 0)
			if end <= 1 || data[p+end-1] != '/' {
				break
			}
			dirs = append(dirs, string(data[p:p+end]))
			p += end + 1
		}
		if len(dirs) == 0 || len(dirs) > 16 {
			continue
		}
		// The first string may follow bytes that are not a NUL.
		if prev := stringBefore(data, start-1); prev != "" {
			all := append([]string{prev}, dirs...)
			if lensNearby(data, start-1-len(prev), p, all, bo, word) {
				dirs, start = all, start-1-len(prev)
			}
		}
		if lensNearby(data, start, p, dirs, bo, word) {
			out := make([]string, len(dirs))
			for k, d := range dirs {
				out[k] = path.Clean(d)
			}
			return out
		}
	}
	return nil
}

// stringBefore returns the "/…/" string of printable bytes that ends at
// data[nul], a NUL, or "".
func stringBefore(data []byte, nul int) string {
	if nul < 2 || data[nul] != 0 || data[nul-1] != '/' {
		return ""
	}
	b := nul - 1
	for b > 0 && data[b-1] > 0x20 && data[b-1] < 0x7f {
		b--
	}
	i := bytes.IndexByte(data[b:nul], '/')
	if i < 0 || nul-(b+i) < 2 {
		return ""
	}
	return string(data[b+i : nul])
}

// lensNearby reports whether the array of the lengths of dirs, one word
// each, lies within a few words before start or after end (glibc's
// system_dirs_len sits next to system_dirs, on one side or the other).
func lensNearby(data []byte, start, end int, dirs []string, bo binary.ByteOrder, word int) bool {
	size := len(dirs) * word
	at := func(off int) bool {
		if off < 0 || off+size > len(data) {
			return false
		}
		for k, d := range dirs {
			var v uint64
			if word == 8 {
				v = bo.Uint64(data[off+k*word:])
			} else {
				v = uint64(bo.Uint32(data[off+k*word:]))
			}
			if v != uint64(len(d)) {
				return false
			}
		}
		return true
	}
	const slack = 64
	for off := start - size - slack; off <= start-size; off++ {
		if off >= 0 && off%word == 0 && at(off) {
			return true
		}
	}
	for off := end; off <= end+slack; off++ {
		if off%word == 0 && at(off) {
			return true
		}
	}
	return false
}

// cachePath is the ld.so.cache path compiled into a glibc loader, "" for
// none.
func cachePath(data []byte) string {
	const name = "/ld.so.cache\x00"
	i := bytes.Index(data, []byte(name))
	if i < 0 {
		return ""
	}
	start := bytes.LastIndexByte(data[:i], 0) + 1
	p := string(data[start : i+len(name)-1])
	if !strings.HasPrefix(p, "/") {
		return ""
	}
	return p
}

// ldCache is one ld.so.cache: library name → paths, in cache order.
type ldCache map[string][]string

// cacheMagic starts glibc's cache format (since 2.32 the only one).
const cacheMagic = "glibc-ld.so.cache1.1"

// parseLdCache reads glibc's ld.so.cache (the new format, possibly after
// an old-format part): a 48-byte header (magic and version, nlibs,
// len_strings, flags, extension offset, unused), then nlibs 24-byte
// entries (flags, key, value, osversion, hwcap), with string offsets from
// the header's start. Entries with an hwcap are left out (glibc-hwcaps
// subdirectories are not modelled). Malformed input yields what was read.
func parseLdCache(data []byte, bo binary.ByteOrder) ldCache {
	c := ldCache{}
	base := bytes.Index(data, []byte(cacheMagic))
	if base < 0 || len(data)-base < 48 {
		return c
	}
	h := data[base:]
	n := int(bo.Uint32(h[20:]))
	str := func(off uint32) (string, bool) {
		if int64(off) >= int64(len(h)) {
			return "", false
		}
		e := bytes.IndexByte(h[off:], 0)
		if e < 0 {
			return "", false
		}
		return string(h[off : int(off)+e]), true
	}
	for k := 0; k < n && 48+(k+1)*24 <= len(h); k++ {
		e := h[48+k*24:]
		if bo.Uint64(e[16:]) != 0 {
			continue
		}
		key, ok1 := str(bo.Uint32(e[4:]))
		val, ok2 := str(bo.Uint32(e[8:]))
		if ok1 && ok2 && strings.HasPrefix(val, "/") {
			c[key] = append(c[key], val)
		}
	}
	return c
}
