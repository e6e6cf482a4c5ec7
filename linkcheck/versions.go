package linkcheck

import (
	"bytes"
	"cmp"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
)

// VersionNeed is one entry of .gnu.version_r: the versions a file needs
// from one library, named as in DT_NEEDED.
type VersionNeed struct {
	File     string
	Versions []NeededVersion
}

// NeededVersion is one version a file needs, e.g. GLIBC_2.38.
type NeededVersion struct {
	Name string
	// Weak is VER_FLG_WEAK: the loader only warns when it is missing.
	Weak bool
}

// maxVersionEntries bounds the records walked per table: real files have a
// few dozen. A lying count or a cyclic vn_next cannot make us loop longer.
const maxVersionEntries = 1 << 12

// Versions are a file's symbol versioning tables, read through the dynamic
// section (DT_VERNEED, DT_VERDEF and DT_STRTAB), so files without section
// headers are read too.
type Versions struct {
	Needs []VersionNeed
	// Defs are the version names the file defines, in file order, without
	// the VER_FLG_BASE entry (which names the file itself).
	Defs []string
	// HasDefs tells a file without .gnu.version_d (whose versions the
	// loader does not check) from one that defines none.
	HasDefs bool
}

// defines reports whether v is among the defined versions.
func (v *Versions) defines(name string) bool {
	for _, d := range v.Defs {
		if d == name {
			return true
		}
	}
	return false
}

// errVersions marks a malformed version table.
var errVersions = errors.New("malformed symbol version table")

// ReadVersions reads the version needs and definitions of f, whose bytes
// are read through r. Every record is bounds-checked against the file, and
// the walk is capped at maxVersionEntries records per table.
func ReadVersions(f *elf.File, r io.ReaderAt) (*Versions, error) {
	vr := &verReader{f: f, r: r}
	v := &Versions{}
	strAddr, okA := f.DynValue(stdelf.DT_STRTAB)
	strSize, okS := f.DynValue(stdelf.DT_STRSZ)
	_, hasNeed := f.DynValue(stdelf.DT_VERNEED)
	_, hasDef := f.DynValue(stdelf.DT_VERDEF)
	if !hasNeed && !hasDef {
		return v, nil
	}
	if !okA || !okS || strSize > uint64(f.Size()) {
		return nil, fmt.Errorf("%w: no usable DT_STRTAB", errVersions)
	}
	strtab, err := vr.read(strAddr, strSize)
	if err != nil {
		return nil, err
	}
	vr.strtab = strtab
	if hasNeed {
		if v.Needs, err = vr.needs(); err != nil {
			return nil, err
		}
	}
	if hasDef {
		v.HasDefs = true
		if v.Defs, err = vr.defs(); err != nil {
			return nil, err
		}
	}
	return v, nil
}

type verReader struct {
	f      *elf.File
	r      io.ReaderAt
	strtab []byte
}

// offset maps a virtual address to a file offset through the PT_LOAD
// segment whose file bytes hold [addr, addr+n).
func (vr *verReader) offset(addr, n uint64) (uint64, bool) {
	size := uint64(vr.f.Size())
	for _, p := range vr.f.Progs {
		if p.Type != stdelf.PT_LOAD || addr < p.Vaddr {
			continue
		}
		rel := addr - p.Vaddr
		if rel > p.Filesz || n > p.Filesz-rel {
			continue
		}
		if p.Off > size || rel > size-p.Off || n > size-p.Off-rel {
			continue
		}
		return p.Off + rel, true
	}
	return 0, false
}

func (vr *verReader) read(addr, n uint64) ([]byte, error) {
	off, ok := vr.offset(addr, n)
	if !ok {
		return nil, fmt.Errorf("%w: %d bytes at address %#x are not in the file", errVersions, n, addr)
	}
	b := make([]byte, n)
	if _, err := vr.r.ReadAt(b, int64(off)); err != nil {
		return nil, err
	}
	return b, nil
}

func (vr *verReader) str(off uint32) (string, error) {
	if uint64(off) >= uint64(len(vr.strtab)) {
		return "", fmt.Errorf("%w: string offset %d past DT_STRTAB", errVersions, off)
	}
	b := vr.strtab[off:]
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", fmt.Errorf("%w: unterminated string", errVersions)
	}
	return string(b[:i]), nil
}

// needs walks .gnu.version_r. Elf{32,64}_Verneed are both 16 bytes:
// vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32; each
// Elf_Vernaux is 16 bytes: vna_hash u32, vna_flags u16, vna_other u16,
// vna_name u32, vna_next u32.
func (vr *verReader) needs() ([]VersionNeed, error) {
	bo := vr.f.ByteOrder
	addr, _ := vr.f.DynValue(stdelf.DT_VERNEED)
	num, ok := vr.f.DynValue(stdelf.DT_VERNEEDNUM)
	if !ok {
		num = maxVersionEntries // the chain's vn_next == 0 ends it
	}
	var out []VersionNeed
	budget := maxVersionEntries
	for i := uint64(0); i < num; i++ {
		b, err := vr.read(addr, 16)
		if err != nil {
			return nil, err
		}
		cnt, fileOff, aux, next := bo.Uint16(b[2:]), bo.Uint32(b[4:]), bo.Uint32(b[8:]), bo.Uint32(b[12:])
		file, err := vr.str(fileOff)
		if err != nil {
			return nil, err
		}
		need := VersionNeed{File: file}
		a := addr + uint64(aux)
		for j := 0; j < int(cnt); j++ {
			if budget--; budget < 0 {
				return nil, fmt.Errorf("%w: more than %d records", errVersions, maxVersionEntries)
			}
			x, err := vr.read(a, 16)
			if err != nil {
				return nil, err
			}
			name, err := vr.str(bo.Uint32(x[8:]))
			if err != nil {
				return nil, err
			}
			need.Versions = append(need.Versions, NeededVersion{Name: name, Weak: bo.Uint16(x[4:])&uint16(stdelf.VER_FLG_WEAK) != 0})
			an := bo.Uint32(x[12:])
			if an == 0 {
				break
			}
			a += uint64(an)
		}
		out = append(out, need)
		if budget--; budget < 0 {
			return nil, fmt.Errorf("%w: more than %d records", errVersions, maxVersionEntries)
		}
		if next == 0 {
			break
		}
		addr += uint64(next)
	}
	return out, nil
}

// defs walks .gnu.version_d. Elf{32,64}_Verdef are both 20 bytes:
// vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32,
// vd_aux u32, vd_next u32; the first Elf_Verdaux (8 bytes: vda_name u32,
// vda_next u32) names the version, the others its parents.
func (vr *verReader) defs() ([]string, error) {
	bo := vr.f.ByteOrder
	addr, _ := vr.f.DynValue(stdelf.DT_VERDEF)
	num, ok := vr.f.DynValue(stdelf.DT_VERDEFNUM)
	if !ok {
		num = maxVersionEntries
	}
	var out []string
	for i := uint64(0); i < num; i++ {
		if i >= maxVersionEntries {
			return nil, fmt.Errorf("%w: more than %d records", errVersions, maxVersionEntries)
		}
		b, err := vr.read(addr, 20)
		if err != nil {
			return nil, err
		}
		flags, cnt, aux, next := bo.Uint16(b[2:]), bo.Uint16(b[6:]), bo.Uint32(b[12:]), bo.Uint32(b[16:])
		if cnt > 0 && flags&uint16(stdelf.VER_FLG_BASE) == 0 {
			x, err := vr.read(addr+uint64(aux), 8)
			if err != nil {
				return nil, err
			}
			name, err := vr.str(bo.Uint32(x))
			if err != nil {
				return nil, err
			}
			out = append(out, name)
		}
		if next == 0 {
			break
		}
		addr += uint64(next)
	}
	return out, nil
}

// samePrefix returns the numbered versions in defs of the same family
// as version: the same part up to the last '_' ("GLIBC_" for GLIBC_2.38)
// followed by a number, so GLIBC_PRIVATE and GLIBC_ABI_DT_RELR are left
// out.
func samePrefix(defs []string, version string) []string {
	prefix, _ := splitVersion(version)
	if prefix == "" {
		return nil
	}
	var out []string
	for _, d := range defs {
		if p, n := splitVersion(d); p == prefix && n != "" && n[0] >= '0' && n[0] <= '9' && d != version {
			out = append(out, d)
		}
	}
	return out
}

// splitVersion splits "GLIBC_2.38" into "GLIBC_" and "2.38".
func splitVersion(v string) (prefix, number string) {
	i := strings.LastIndexByte(v, '_')
	if i < 0 {
		return "", v
	}
	return v[:i+1], v[i+1:]
}

// Newest returns the highest version among names of one family
// (GLIBC_2.2.5 < GLIBC_2.17 < GLIBC_2.36), comparing the dotted numbers
// after the last '_' numerically; "" for none.
func Newest(names []string) string {
	best := ""
	for _, n := range names {
		if best == "" || compareVersions(verNumber(n), verNumber(best)) > 0 {
			best = n
		}
	}
	return best
}

func verNumber(name string) string {
	_, n := splitVersion(name)
	return n
}

// compareVersions compares dotted numbers; non-numeric parts compare as
// strings.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y string
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		xn, xerr := strconv.Atoi(x)
		yn, yerr := strconv.Atoi(y)
		switch {
		case xerr == nil && yerr == nil:
			if xn != yn {
				return cmp.Compare(xn, yn)
			}
		case x != y:
			return strings.Compare(x, y)
		}
	}
	return 0
}
