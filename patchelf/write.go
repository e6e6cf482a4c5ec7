package patchelf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
)

// write puts the patched file in place: over name, or at Output (written
// even when nothing changed, as patchelf does). Every file is written
// through internal/atomicfile, as o.InPlace says: a temporary file beside
// the target renamed over it, or the changed bytes written into the target.
// A file that may not be written is refused with patchelf's wording.
func (o *Options) write(name string, patch *elf.Patch) error {
	replace := atomicfile.Options{NoSync: o.NoSync, InPlace: o.InPlace}
	if o.Output == "" {
		if patch.IsEmpty() {
			o.debugf("not modified, nothing written")
			return nil
		}
		target, err := filepath.EvalSymlinks(name)
		if err != nil {
			return FileError(name, err)
		}
		o.debugf("writing %s", target)
		if err := replace.ReplaceCopy(target, func(tmp *os.File) error { return patch.ApplyTo(tmp) }); err != nil {
			var nw *atomicfile.NotWritableError
			if errors.As(err, &nw) {
				return err // "FILE: open: Permission denied", patchelf's words
			}
			return fmt.Errorf("%s: writing: %v", name, err)
		}
		return nil
	}
	o.debugf("writing %s", o.Output)
	st, err := os.Stat(name)
	if err != nil {
		return FileError(name, err)
	}
	target := o.Output
	if t, err := filepath.EvalSymlinks(o.Output); err == nil {
		target = t
	}
	fill := func(tmp *os.File) error {
		src, err := os.Open(name)
		if err != nil {
			return err
		}
		defer src.Close()
		if _, err := io.Copy(tmp, src); err != nil {
			return err
		}
		return patch.ApplyTo(tmp)
	}
	if ot, err := os.Stat(target); err == nil {
		if os.SameFile(st, ot) && patch.IsEmpty() {
			return nil
		}
		if !ot.Mode().IsRegular() {
			// --output /dev/null, a pipe: written to, as patchelf does; a
			// rename would replace the device node itself.
			if err := writeStream(target, name, patch); err != nil {
				return fmt.Errorf("%s: writing: %v", o.Output, err)
			}
			return nil
		}
		if err := replace.Replace(target, fill); err != nil {
			return fmt.Errorf("%s: writing: %v", o.Output, err)
		}
		return nil
	}
	if err := atomicfile.WriteNew(target, st.Mode().Perm(), fill); err != nil {
		return fmt.Errorf("%s: writing: %v", o.Output, err)
	}
	return nil
}

// writeStream writes the patched file, read from name and patch, to
// target from its start, without making a temporary file beside it.
func writeStream(target, name string, patch *elf.Patch) error {
	src, err := os.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, io.NewSectionReader(patch.Reader(src), 0, patch.Size))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
