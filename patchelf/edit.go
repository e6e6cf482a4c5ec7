package patchelf

import (
	"bytes"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/ldcache"
)

// rpathEdit sets e's search-path part from the first of --shrink-rpath,
// --remove-rpath, --set-rpath and --add-rpath given, as patchelf does.
func (o *Options) rpathEdit(f *elf.File, e *elf.Edit) {
	has := f.HasRunpath || f.HasRpath
	old := f.SearchPath()
	var newPath string
	switch {
	case o.ShrinkRpath:
		if !has {
			o.debugf("no RPATH to shrink")
			return
		}
		newPath = o.shrink(f, old)
	case o.RemoveRpath:
		if !has {
			o.debugf("no RPATH to delete")
			return
		}
		e.RemoveRunpath = true
		return
	case o.SetRpath:
		newPath = o.Rpath
	case o.AddRpath:
		newPath = old
		if newPath != "" {
			newPath += ":"
		}
		newPath += o.Rpath
	}
	if !has && newPath == "" {
		// patchelf adds no entry for an empty path.
		return
	}
	o.debugf("new rpath is '%s'", newPath)
	e.SetRunpath, e.Runpath, e.ForceRpath = true, newPath, o.ForceRpath
}

// shrink keeps the entries of rpath that patchelf's --shrink-rpath keeps:
// relative ones ($ORIGIN/…) always; absolute ones only when they start with
// one of --allowed-rpath-prefixes (if given) and hold a DT_NEEDED library,
// an ELF file of f's machine and class, not found in an earlier entry.
func (o *Options) shrink(f *elf.File, rpath string) string {
	found := make([]bool, len(f.Needed))
	var keep []string
	for _, dir := range SplitPath(rpath) {
		if dir != "" && dir[0] != '/' {
			keep = append(keep, dir)
			continue
		}
		if len(o.AllowedPrefixes) > 0 && !slices.ContainsFunc(o.AllowedPrefixes, func(p string) bool {
			return strings.HasPrefix(dir, p)
		}) {
			o.debugf("removing directory '%s' from RPATH because of non-allowed prefix", dir)
			continue
		}
		provides := false
		for j, lib := range f.Needed {
			if found[j] {
				continue
			}
			path := dir + "/" + lib
			switch ok, err := sameMachine(path, f); {
			case ok:
				found[j], provides = true, true
			case err == nil:
				o.debugf("ignoring library '%s' because its machine type differs", path)
			case !errors.Is(err, fs.ErrNotExist):
				o.debugf("ignoring library '%s': %v", path, err)
			}
		}
		if provides {
			keep = append(keep, dir)
		} else {
			o.debugf("removing directory '%s' from RPATH", dir)
		}
	}
	return strings.Join(keep, ":")
}

// sameMachine reports whether path is an ELF file for f's machine and
// class, reading only its ELF header.
func sameMachine(path string, f *elf.File) (bool, error) {
	fd, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer fd.Close()
	var h [20]byte
	if _, err := io.ReadFull(fd, h[:]); err != nil {
		return false, fmt.Errorf("not an ELF file: %w", err)
	}
	if string(h[:4]) != stdelf.ELFMAG {
		return false, errors.New("not an ELF file")
	}
	var m uint16
	switch stdelf.Data(h[stdelf.EI_DATA]) {
	case stdelf.ELFDATA2LSB:
		m = uint16(h[18]) | uint16(h[19])<<8
	case stdelf.ELFDATA2MSB:
		m = uint16(h[18])<<8 | uint16(h[19])
	default:
		return false, errors.New("unknown ELF data encoding")
	}
	return stdelf.Machine(m) == f.Machine && stdelf.Class(h[stdelf.EI_CLASS]) == f.Class, nil
}

// errCachePresent is patchelf 0.19's refusal to rebuild a note.
var errCachePresent = errors.New("--build-resolution-cache: a resolution cache note is already present; rebuild from an unpatched binary")

// resolutionCache computes the NixOS resolution-cache note (patchelf
// 0.19.0's --build-resolution-cache, the same bytes) for the needed
// libraries and the run path the file will have after e, and adds it to e.
// Like patchelf, a file with nothing to resolve gets a warning and no note,
// and a note that stays (the edit does not change DT_NEEDED or the search
// path, which would remove it) is only accepted when it holds the same
// descriptor: a different, malformed or unreadable one — any section named
// .note.nixos.ldcache counts — is an error ("already present").
func (o *Options) resolutionCache(f *elf.File, e *elf.Edit) error {
	present := f.HasResolutionCacheSection() && !linkChanges(f, e)
	warn := func(why string) error {
		if present {
			return errCachePresent
		}
		o.Log.Warnf("--build-resolution-cache: %s; no cache written", why)
		return nil
	}
	if !f.IsDynamic() {
		return warn("no dynamic section (statically linked?)")
	}
	needed := e.NeededAfter(f.Needed)
	runpath := f.SearchPath()
	if e.RemoveRunpath {
		runpath = ""
	}
	if e.SetRunpath {
		runpath = e.Runpath
	}
	desc, err := ldcache.Build(needed, runpath, ldcache.FS{
		Readable: func(p string) bool {
			fd, err := os.Open(p)
			if err != nil {
				return false
			}
			fd.Close()
			return true
		},
		Exists: func(p string) bool {
			_, err := os.Stat(p)
			return err == nil
		},
	})
	switch {
	case errors.Is(err, ldcache.ErrNothingToResolve):
		return warn("no DT_NEEDED entries or run path to resolve")
	case errors.Is(err, ldcache.ErrNoneResolved):
		return warn("no libraries resolved against the run path")
	case err != nil:
		return err
	}
	if present && !bytes.Equal(f.ResolutionCache, desc) {
		return errCachePresent
	}
	o.debugf("resolution cache: %q", desc)
	e.ResolutionCache = desc
	return nil
}

// linkChanges reports whether e changes what a resolution cache is
// computed from (DT_NEEDED, the search path or its kind): such an edit
// removes the old note, as patchelf's operations do before
// --build-resolution-cache runs.
func linkChanges(f *elf.File, e *elf.Edit) bool {
	if !slices.Equal(e.NeededAfter(f.Needed), f.Needed) {
		return true
	}
	has := f.HasRunpath || f.HasRpath
	switch {
	case e.RemoveRunpath:
		return has
	case e.SetRunpath:
		if !has || e.Runpath != f.SearchPath() {
			return true
		}
		// Converting between DT_RPATH and DT_RUNPATH changes the file too.
		rpathOnly := f.HasRpath && !f.HasRunpath
		return e.ForceRpath != rpathOnly || (f.HasRunpath && f.HasRpath)
	}
	return false
}

func sortedSet(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	s := slices.Clone(names)
	sort.Strings(s)
	return slices.Compact(s)
}

// replacements orders --replace-needed pairs for elf.Edit, which applies
// them one after the other. patchelf renames every entry at most once
// (a→b with b→c turns a into b, not c), so a pair whose new name is
// another pair's old name must come after that pair. A cycle (a→b with
// b→a) cannot be ordered and is refused.
func replacements(m map[string]string, needed []string) ([]elf.Replacement, error) {
	var todo []elf.Replacement
	for old, nw := range m {
		if old != nw && slices.Contains(needed, old) {
			todo = append(todo, elf.Replacement{Old: old, New: nw})
		}
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].Old < todo[j].Old })
	var out []elf.Replacement
	for len(todo) > 0 {
		progress := false
		for i := 0; i < len(todo); i++ {
			r := todo[i]
			blocked := slices.ContainsFunc(todo, func(q elf.Replacement) bool { return q.Old == r.New })
			if blocked {
				continue
			}
			out = append(out, r)
			todo = slices.Delete(todo, i, i+1)
			i--
			progress = true
		}
		if !progress {
			return nil, fmt.Errorf("--replace-needed renames %s and %s into each other; do it in two runs", todo[0].Old, todo[0].New)
		}
	}
	return out, nil
}

// SplitPath splits a colon-separated list as patchelf does: empty parts
// are kept, except a trailing one ("a:" is ["a"], "a::b" is ["a" "" "b"]).
func SplitPath(s string) []string {
	parts := strings.Split(s, ":")
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

var osabiNames = []struct {
	abi   stdelf.OSABI
	print string
	names []string
}{
	{stdelf.ELFOSABI_NONE, "System V", []string{"system v", "system-v", "sysv"}},
	{stdelf.ELFOSABI_HPUX, "HP-UX", []string{"hp-ux"}},
	{stdelf.ELFOSABI_NETBSD, "NetBSD", []string{"netbsd"}},
	{stdelf.ELFOSABI_LINUX, "Linux", []string{"linux", "gnu"}},
	{stdelf.ELFOSABI_HURD, "GNU Hurd", []string{"gnu hurd", "gnu-hurd", "hurd"}},
	{stdelf.ELFOSABI_SOLARIS, "Solaris", []string{"solaris"}},
	{stdelf.ELFOSABI_AIX, "AIX", []string{"aix"}},
	{stdelf.ELFOSABI_IRIX, "IRIX", []string{"irix"}},
	{stdelf.ELFOSABI_FREEBSD, "FreeBSD", []string{"freebsd"}},
	{stdelf.ELFOSABI_TRU64, "Tru64", []string{"tru64"}},
	{stdelf.ELFOSABI_OPENBSD, "OpenBSD", []string{"openbsd"}},
	{stdelf.ELFOSABI_OPENVMS, "OpenVMS", []string{"openvms"}},
}

// ParseOSABI reads an OS ABI name as patchelf's --set-os-abi does
// (case-insensitive, "sysv", "gnu", "freebsd", …).
func ParseOSABI(s string) (stdelf.OSABI, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, n := range osabiNames {
		if slices.Contains(n.names, s) {
			return n.abi, true
		}
	}
	return 0, false
}

// OSABIName is patchelf's --print-os-abi text for abi.
func OSABIName(abi stdelf.OSABI) string {
	for _, n := range osabiNames {
		if n.abi == abi {
			return n.print
		}
	}
	return fmt.Sprintf("0x%02X", uint8(abi))
}
