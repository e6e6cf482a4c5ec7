package resolver

import stdelf "debug/elf"

// Platform is what a file runs on, as far as resolution cares.
//
// Machine must match exactly. Class and Data are compared only when both
// sides know them (ELFCLASSNONE and ELFDATANONE mean "not known"): upstream
// compares only pyelftools' machine name, which cannot tell ppc64 from
// ppc64le or x32 from x86-64, and so can pick a library the loader rejects.
// OSABI follows [OSABICompatible].
type Platform struct {
	Machine stdelf.Machine
	Class   stdelf.Class
	Data    stdelf.Data
	OSABI   stdelf.OSABI
}

// SameArch reports whether p and q have the same machine and, where both
// are known, the same class and byte order.
func (p Platform) SameArch(q Platform) bool {
	if p.Machine != q.Machine {
		return false
	}
	if p.Class != stdelf.ELFCLASSNONE && q.Class != stdelf.ELFCLASSNONE && p.Class != q.Class {
		return false
	}
	if p.Data != stdelf.ELFDATANONE && q.Data != stdelf.ELFDATANONE && p.Data != q.Data {
		return false
	}
	return true
}

// Compatible reports whether a file of platform p may link against a
// library of platform q: same arch and compatible OS ABIs.
func (p Platform) Compatible(q Platform) bool {
	return p.SameArch(q) && OSABICompatible(p.OSABI, q.OSABI)
}

// OSABICompatible reports whether two OS ABIs may be linked together. As in
// auto-patchelf, the System V ABI (ELFOSABI_NONE, 0) is generic and
// compatible with every other value, in either direction; any other pair is
// compatible only when equal. ELFOSABI_LINUX (GNU) is not generic: a FreeBSD
// library is not compatible with a Linux file. The relation is symmetric.
func OSABICompatible(a, b stdelf.OSABI) bool {
	return a == stdelf.ELFOSABI_NONE || b == stdelf.ELFOSABI_NONE || a == b
}

// Library is one shared object the hook found, under the name the dynamic
// loader would look it up by.
type Library struct {
	// Name is the file name (not DT_SONAME) of the file or symlink: a
	// DT_NEEDED entry libfoo.so.1 is satisfied only by a file or symlink of
	// exactly that name.
	Name string
	// Dir is the directory that goes into RUNPATH when this library is
	// chosen. For a symlink it is the symlink's directory, unless the
	// target has the same base name (then the target's); package libindex
	// applies that rule (contract §2, nixpkgs #210908).
	Dir string
	Platform
}

// Index is the library index: every library the hook found, in the order
// it found them. The first compatible entry for a name wins, so the order of
// Add calls is the precedence (see the package documentation).
//
// The zero Index is empty and ready to use. An Index is not safe for
// concurrent Add; concurrent Lookup and Candidates are safe once all Add
// calls are done.
type Index struct {
	byName map[string][]Library
	seen   map[Library]struct{}
	n      int
}

// Add appends lib to the index and reports whether it was new. Adding a
// library equal to one already indexed (same name, dir and platform, as when
// a directory is reached both from --paths and from --libs) changes nothing
// and returns false.
func (ix *Index) Add(lib Library) bool {
	if _, dup := ix.seen[lib]; dup {
		return false
	}
	if ix.byName == nil {
		ix.byName = make(map[string][]Library)
		ix.seen = make(map[Library]struct{})
	}
	ix.seen[lib] = struct{}{}
	ix.byName[lib.Name] = append(ix.byName[lib.Name], lib)
	ix.n++
	return true
}

// Len returns the number of libraries in the index.
func (ix *Index) Len() int {
	if ix == nil {
		return 0
	}
	return ix.n
}

// Lookup returns the first library named name that a file of platform want
// may link against.
func (ix *Index) Lookup(name string, want Platform) (Library, bool) {
	if ix == nil {
		return Library{}, false
	}
	for _, lib := range ix.byName[name] {
		if want.Compatible(lib.Platform) {
			return lib, true
		}
	}
	return Library{}, false
}

// Candidates returns every library indexed under name, of any platform, in
// precedence order. The slice is a copy.
func (ix *Index) Candidates(name string) []Library {
	if ix == nil {
		return nil
	}
	libs := ix.byName[name]
	if len(libs) == 0 {
		return nil
	}
	return append([]Library(nil), libs...)
}
