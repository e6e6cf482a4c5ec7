package wheel

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	stdelf "debug/elf"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/arch"
	"github.com/gopatchelf/gopatchelf/libindex"
	"github.com/gopatchelf/gopatchelf/relink"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// Config is one wheel run. The zero value resolves against the wheel's own
// libraries alone and leaves interpreters alone.
type Config struct {
	// Libs are libraries outside the wheel, in precedence order, after the
	// wheel's own.
	Libs []resolver.Library
	// LibcDir is the directory whose libraries the loader provides (glibc's
	// lib/). IsFile answers whether a path is a file in it (and whether an
	// absolute DT_NEEDED exists); nil means nothing is. With LibcDir "",
	// the libraries the manylinux policy lets a wheel take from the system
	// ([SystemLibs]: libc, libm, libpthread, libstdc++, libgcc_s, …) are
	// left to the loader, as auditwheel does.
	LibcDir string
	IsFile  func(path string) bool
	// Target is the platform the wheel is for: members of another
	// architecture or an OS ABI its loader does not load are skipped, as
	// auto skips such files. nil accepts every member; PatchFile and
	// CheckFile take it from the wheel's platform tag when nil.
	Target *resolver.Platform
	// Interpreter, when set, becomes the interpreter of executable members.
	Interpreter string
	// IgnoreMissing are fnmatch patterns of missing dependencies that are
	// reported but do not fail the run (auto-patchelf's --ignore-missing).
	IgnoreMissing []string
}

// Member is what happened to one ELF member.
type Member struct {
	Name string
	// Skipped says why a member was not resolved ("statically linked", …).
	Skipped string
	Deps    []resolver.Dependency
	Missing []*resolver.MissingError
	// OldRunpath and Runpath are the search path before and after; Runpath
	// is "" when it is left alone.
	OldRunpath  string
	Runpath     string
	Interpreter string // set when changed
	Changed     bool
	// Size and Hash are the new size and RECORD hash of a changed member.
	Size int64
	Hash string
}

// Report is the outcome for one wheel.
type Report struct {
	Members []Member // ELF members, in archive order
	Changed bool     // some member changed: the output differs from the input
	// RecordUpdated lists the RECORD lines rewritten.
	RecordUpdated []string
}

// Err joins the missing dependencies no pattern ignores.
func (r Report) Err() error {
	var errs []error
	for _, m := range r.Members {
		for _, e := range m.Missing {
			if !e.Ignored() {
				errs = append(errs, e)
			}
		}
	}
	return errors.Join(errs...)
}

// root is the directory a wheel's members are placed under for the
// resolver: absolute, and unlike any real library directory.
const root = "/<wheel>"

// systemDir stands for the system's library directory when no LibcDir is
// given.
const systemDir = "/<system>"

// SystemLibs are the libraries the manylinux policies (PEP 600, auditwheel's
// policy.json) allow a wheel to take from the system rather than bundle:
// these and the glibc loader of every architecture wheels are tagged for.
var SystemLibs = append([]string{
	"libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0", "libutil.so.1",
	"libnsl.so.1", "libcrypt.so.1", "libgcc_s.so.1", "libstdc++.so.6",
}, wheelLoaders()...)

// wheelLoaders are the file names of the glibc loaders of the
// architectures of wheel platform tags, in internal/arch's order.
func wheelLoaders() []string {
	var names []string
	for _, a := range arch.All() {
		if len(a.WheelArchs) > 0 && a.Loader != "" && !slices.Contains(names, path.Base(a.Loader)) {
			names = append(names, path.Base(a.Loader))
		}
	}
	return names
}

// ErrNoRecord is returned for a wheel without `*.dist-info/RECORD`.
var ErrNoRecord = errors.New("no .dist-info/RECORD in the wheel")

type elfMember struct {
	idx  int // in zip.Reader.File
	data []byte
	f    *elf.File
	out  []byte // new contents when changed
}

// Patch reads the wheel in r (size bytes), re-links its ELF members and
// writes the new wheel to w. With w nil nothing is written: the report says
// what would change and what is missing (--check). Missing dependencies do
// not stop the run; [Report.Err] returns them. Errors (a corrupt zip, an
// ELF member elf refuses to rewrite) name the member.
func Patch(r io.ReaderAt, size int64, w io.Writer, cfg Config) (Report, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return Report{}, err
	}
	members, record, err := readMembers(zr, size)
	if err != nil {
		return Report{}, err
	}
	if record < 0 {
		return Report{}, ErrNoRecord
	}

	// The wheel's own libraries first, in the sorted order of their
	// names as auto walks a tree, then cfg.Libs. A member's RUNPATH is
	// not followed: it names the machine the wheel was built on.
	var ix resolver.Index
	b := libindex.Builder{Index: &ix}
	wheelRoot := libindex.Root{FS: newMemberFS(zr, members), Name: ".", Path: root, Recursive: true}
	if err := b.Add(context.Background(), []libindex.Root{wheelRoot}, libindex.Options{}); err != nil {
		return Report{}, err
	}
	for _, l := range cfg.Libs {
		ix.Add(l)
	}
	opts := resolver.Options{
		LibcDir: cfg.LibcDir, IsFile: cfg.IsFile, IgnoreMissing: cfg.IgnoreMissing,
		RelativeRpaths: true, Trees: []string{root},
	}
	if cfg.LibcDir == "" {
		opts.LibcDir = systemDir
		opts.IsFile = func(p string) bool {
			if dir, name := path.Split(p); dir == systemDir+"/" {
				return slices.Contains(SystemLibs, name)
			}
			return cfg.IsFile != nil && cfg.IsFile(p)
		}
	}

	var rep Report
	newHash := map[string]string{}
	for i := range members {
		m := &members[i]
		name := zr.File[m.idx].Name
		mr, err := patchMember(name, m, &ix, opts, cfg)
		if err != nil {
			return Report{}, fmt.Errorf("%s: %w", name, err)
		}
		if mr.Changed {
			rep.Changed = true
			newHash[name] = mr.Hash + "," + strconv.FormatInt(mr.Size, 10)
		}
		rep.Members = append(rep.Members, mr)
	}
	if w == nil {
		return rep, nil
	}
	if !rep.Changed {
		_, err := io.Copy(w, io.NewSectionReader(r, 0, size))
		return rep, err
	}

	recFile := zr.File[record]
	recData, err := readAll(recFile, size)
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", recFile.Name, err)
	}
	newRecord, updated, err := updateRecord(recData, newHash)
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", recFile.Name, err)
	}
	rep.RecordUpdated = updated
	if len(updated) != len(newHash) {
		for name := range newHash {
			if !slices.Contains(updated, name) {
				return Report{}, fmt.Errorf("%s: no line for %s", recFile.Name, name)
			}
		}
	}

	changed := map[int][]byte{record: newRecord}
	for _, m := range members {
		if m.out != nil {
			changed[m.idx] = m.out
		}
	}
	zw := zip.NewWriter(w)
	for i, f := range zr.File {
		data, ok := changed[i]
		if !ok {
			if err := zw.Copy(f); err != nil {
				return Report{}, fmt.Errorf("%s: %w", f.Name, err)
			}
			continue
		}
		if err := rewrite(zw, f, data); err != nil {
			return Report{}, fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	if err := zw.SetComment(zr.Comment); err != nil {
		return Report{}, err
	}
	return rep, zw.Close()
}

// readMembers reads every ELF member of the size-byte archive and finds
// RECORD (-1 when absent).
func readMembers(zr *zip.Reader, size int64) ([]elfMember, int, error) {
	record := -1
	var members []elfMember
	for i, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		dir, base := path.Split(f.Name)
		if base == "RECORD" && strings.HasSuffix(dir, ".dist-info/") && strings.Count(dir, "/") == 1 {
			record = i
			continue
		}
		elfish, err := hasELFMagic(f)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", f.Name, err)
		}
		if !elfish {
			continue
		}
		data, err := readAll(f, size)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", f.Name, err)
		}
		ef, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", f.Name, err)
		}
		members = append(members, elfMember{idx: i, data: data, f: ef})
	}
	return members, record, nil
}

func hasELFMagic(f *zip.File) (bool, error) {
	if f.UncompressedSize64 < 4 {
		return false, nil
	}
	rc, err := f.Open()
	if err != nil {
		return false, err
	}
	defer rc.Close()
	var magic [4]byte
	if _, err := io.ReadFull(rc, magic[:]); err != nil {
		return false, err
	}
	return string(magic[:]) == stdelf.ELFMAG, nil
}

// readAll decompresses a member, checking its CRC and size (zip does, at
// EOF). The size a member declares is only a claim until its bytes are read:
// the buffer is sized by it only as far as the member's compressed bytes,
// which must lie inside the archive, could inflate.
func readAll(f *zip.File, archive int64) ([]byte, error) {
	if f.UncompressedSize64 > 1<<34 {
		return nil, fmt.Errorf("member too large (%d bytes)", f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, sizeHint(f, archive)))
	if _, err := io.Copy(buf, rc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxDeflateRatio bounds what deflate can make of one byte: a 258-byte
// match costs at least two bits, so 1032 bytes per compressed byte, plus a
// block header's worth.
const maxDeflateRatio = 1033

// sizeHint is f's declared size, capped by what its compressed bytes can
// hold.
func sizeHint(f *zip.File, archive int64) int {
	compressed := min(f.CompressedSize64, uint64(max(archive, 0)))
	limit := compressed
	if f.Method != zip.Store {
		limit = min(compressed, 1<<34) * maxDeflateRatio
	}
	return int(min(f.UncompressedSize64, limit))
}

// patchMember resolves one member and plans its edit.
func patchMember(name string, m *elfMember, ix *resolver.Index, opts resolver.Options, cfg Config) (Member, error) {
	f := m.f
	mr := Member{Name: name, OldRunpath: f.SearchPath()}
	facts := relink.FactsOf(f)
	if skip, why := relink.Decide(facts, cfg.Target); skip != relink.NoSkip {
		mr.Skipped = why
		return mr, nil
	}
	req := relink.Request(name, path.Join(root, path.Dir(name)), facts, false)
	res := resolver.Resolve(ix, req, opts)
	mr.Deps, mr.Missing = res.Deps, res.Missing

	edit := relink.Edit(facts, cfg.Interpreter, res, false)
	if edit.Interpreter == f.Interpreter {
		edit.Interpreter = ""
	}
	mr.Interpreter, mr.Runpath = edit.Interpreter, edit.Runpath
	if edit.IsZero() {
		return mr, nil
	}
	p, err := f.Plan(edit)
	if err != nil {
		return Member{}, err
	}
	if p.IsEmpty() {
		return mr, nil
	}
	// f.Plan has checked the result (elf/verify.go).
	out := p.Bytes(m.data)
	m.out = out
	sum := sha256.Sum256(out)
	mr.Changed, mr.Size, mr.Hash = true, int64(len(out)), "sha256="+base64.RawURLEncoding.EncodeToString(sum[:])
	return mr, nil
}

// updateRecord rewrites the lines of RECORD whose path is in hashes (value
// "sha256=…,size") and keeps all other bytes, line ends included.
func updateRecord(data []byte, hashes map[string]string) ([]byte, []string, error) {
	var out bytes.Buffer
	var updated []string
	for len(data) > 0 {
		n := bytes.IndexByte(data, '\n') + 1
		if n == 0 {
			n = len(data)
		}
		line := data[:n]
		data = data[n:]
		body := bytes.TrimRight(line, "\r\n")
		if len(body) == 0 {
			out.Write(line)
			continue
		}
		fields, err := csv.NewReader(bytes.NewReader(body)).Read()
		if err != nil {
			return nil, nil, fmt.Errorf("line %q: %w", body, err)
		}
		h, ok := hashes[fields[0]]
		if !ok || len(fields) != 3 {
			out.Write(line)
			continue
		}
		var nb bytes.Buffer
		cw := csv.NewWriter(&nb)
		hash, size, _ := strings.Cut(h, ",")
		if err := cw.Write([]string{fields[0], hash, size}); err != nil {
			return nil, nil, err
		}
		cw.Flush()
		out.Write(bytes.TrimRight(nb.Bytes(), "\n"))
		out.Write(line[len(body):])
		updated = append(updated, fields[0])
	}
	return out.Bytes(), updated, nil
}

// rewrite writes a changed member with the original's header: name, method,
// MS-DOS time, external attributes and extra fields (less any zip64 record,
// which the writer adds itself when needed).
func rewrite(zw *zip.Writer, f *zip.File, data []byte) error {
	fh := f.FileHeader
	fh.Modified = time.Time{} // keep ModifiedDate/Time as they are: no new extra field
	fh.Extra = dropExtra(fh.Extra, 0x0001)
	fh.CRC32, fh.CompressedSize64, fh.UncompressedSize64 = 0, 0, 0
	if fh.Method != zip.Store && fh.Method != zip.Deflate {
		fh.Method = zip.Deflate
	}
	wr, err := zw.CreateHeader(&fh)
	if err != nil {
		return err
	}
	_, err = wr.Write(data)
	return err
}

// dropExtra removes the extra-field records with the given ID.
func dropExtra(extra []byte, id uint16) []byte {
	var out []byte
	for len(extra) >= 4 {
		tag := uint16(extra[0]) | uint16(extra[1])<<8
		n := int(uint16(extra[2])|uint16(extra[3])<<8) + 4
		if n > len(extra) {
			return append(out, extra...) // malformed: keep as is
		}
		if tag != id {
			out = append(out, extra[:n]...)
		}
		extra = extra[n:]
	}
	return append(out, extra...)
}
