package wheel

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/internal/arch"
	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/linkcheck"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// FileResult is one wheel file handled by [PatchFile] or [CheckFile].
type FileResult struct {
	Report
	// Name is the wheel's file name; it is set once the wheel was patched
	// in memory, so Report is valid even when a later step failed.
	Name string
	// Dest and Wrote (PatchFile): where the new wheel goes, and whether it
	// was written (false when Dest already held exactly its bytes).
	Dest  string
	Wrote bool
	// Check (CheckFile) is the patched wheel checked as `gopatchelf check`
	// checks a tree, with paths relative to the wheel's parent ("NAME.whl/…").
	Check *linkcheck.Report
}

// patchFile patches the wheel in file in into memory.
func patchFile(in string, cfg Config) (FileResult, []byte, error) {
	f, err := os.Open(in)
	if err != nil {
		return FileResult{}, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return FileResult{}, nil, err
	}
	if cfg.Target == nil {
		cfg.Target = TargetOf(filepath.Base(in))
	}
	buf := &bytes.Buffer{}
	rep, err := Patch(f, st.Size(), buf, cfg)
	if err != nil {
		return FileResult{}, nil, fmt.Errorf("%s: %w", in, err)
	}
	return FileResult{Report: rep, Name: filepath.Base(in)}, buf.Bytes(), nil
}

// PatchFile patches the wheel in and writes the result under outDir with
// the same name, through internal/atomicfile, only when its bytes differ
// from what is there. A new file gets mode 0644; an existing one keeps its
// mode. Missing dependencies are in the result ([Report.Err]), not an
// error.
func PatchFile(ctx context.Context, in, outDir string, cfg Config) (FileResult, error) {
	if err := ctx.Err(); err != nil {
		return FileResult{}, err
	}
	res, data, err := patchFile(in, cfg)
	if err != nil {
		return res, err
	}
	res.Dest = filepath.Join(outDir, res.Name)
	res.Wrote, err = writeIfChanged(res.Dest, data)
	return res, err
}

// CheckFile patches the wheel in into memory, writes nothing, and checks
// the patched members as `gopatchelf check` would (libraries through the
// RUNPATHs just written, then the default directories; symbol versions
// too), so a provider too old for a member is caught as well. The members
// are unpacked into a temporary directory for the check, removed after.
func CheckFile(ctx context.Context, in string, cfg Config) (FileResult, error) {
	if err := ctx.Err(); err != nil {
		return FileResult{}, err
	}
	res, data, err := patchFile(in, cfg)
	if err != nil {
		return res, err
	}
	tmp, err := os.MkdirTemp("", "gopatchelf-wheel-check-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	root := filepath.Join(tmp, res.Name)
	if err := unzipTo(data, root); err != nil {
		return res, fmt.Errorf("%s: %w", res.Name, err)
	}
	ccfg := linkcheck.Config{Paths: []string{root}, IgnoreMissing: cfg.IgnoreMissing}
	if cfg.LibcDir != "" {
		// The libc directory's own loader searches it, as it will at run
		// time; without one there, it stands in as LD_LIBRARY_PATH.
		if lds, _ := filepath.Glob(filepath.Join(cfg.LibcDir, "ld*.so*")); len(lds) > 0 {
			ccfg.Interpreter = lds[0]
		} else {
			ccfg.Libs = append(ccfg.Libs, cfg.LibcDir)
		}
	}
	rep, err := linkcheck.Check(ctx, ccfg)
	if err != nil {
		return res, err
	}
	relativeReport(rep, tmp+string(filepath.Separator))
	res.Check = rep
	return res, nil
}

// TargetOf is the platform a wheel file name's platform tag names (PEP
// 425: NAME-VERSION[-BUILD]-PY-ABI-PLATFORM.whl, the platform possibly a
// dot-separated set of tags for one architecture), or nil when it names
// none this package knows ("any", macOS, Windows).
func TargetOf(name string) *resolver.Platform {
	parts := strings.Split(strings.TrimSuffix(name, ".whl"), "-")
	if len(parts) < 5 {
		return nil
	}
	for _, tag := range strings.Split(parts[len(parts)-1], ".") {
		if !strings.HasPrefix(tag, "linux_") && !strings.HasPrefix(tag, "manylinux") && !strings.HasPrefix(tag, "musllinux") {
			continue
		}
		if a, ok := arch.ByWheelTag(tag); ok {
			return &resolver.Platform{Machine: a.Machine, Class: a.Class, Data: a.Data}
		}
	}
	return nil
}

// unzipTo writes the members of a zip into dir, refusing names that would
// leave it.
func unzipTo(data []byte, dir string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	for _, m := range zr.File {
		name := filepath.FromSlash(m.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("member %q leaves the wheel", m.Name)
		}
		path := filepath.Join(dir, name)
		if m.FileInfo().IsDir() {
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		rc, err := m.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("member %s: %w", m.Name, err)
		}
		if err := os.WriteFile(path, b, m.Mode().Perm()|0o600); err != nil {
			return err
		}
	}
	return nil
}

// relativeReport drops prefix from every path in rep.
func relativeReport(rep *linkcheck.Report, prefix string) {
	trim := func(s *string) { *s = strings.TrimPrefix(*s, prefix) }
	for i := range rep.Files {
		f := &rep.Files[i]
		trim(&f.Path)
		for j := range f.Deps {
			trim(&f.Deps[j].Path)
		}
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		for _, p := range []*string{&f.File, &f.Object, &f.Provider} {
			trim(p)
		}
		for _, l := range [][]string{f.Chain, f.Searched, f.Rejected} {
			for j := range l {
				trim(&l[j])
			}
		}
	}
}

// writeIfChanged writes data to path through internal/atomicfile (a
// temporary file in the same directory, named as atomicfile.IsTemp knows,
// synced and renamed) unless path already holds exactly data.
func writeIfChanged(path string, data []byte) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	fill := func(tmp *os.File) error {
		_, err := tmp.Write(data)
		return err
	}
	st, err := os.Lstat(path)
	switch {
	case err == nil && st.Mode().IsRegular():
		return true, atomicfile.Replace(path, fill)
	case err == nil:
		return false, fmt.Errorf("%s: exists and is not a regular file", path)
	case !errors.Is(err, os.ErrNotExist):
		return false, err
	}
	return true, atomicfile.WriteNew(path, 0o644, fill)
}
