package wheel

import (
	"archive/zip"
	"bytes"
	"testing"
)

// FuzzPatch feeds Patch arbitrary archives (seeded with real wheels): no
// input may panic, and a wheel Patch rewrote must be a zip that a second
// Patch with the same configuration leaves unchanged.
func FuzzPatch(f *testing.F) {
	f.Add(demoWheel(f, "x86_64"))
	f.Add(demoWheel(f, "i686"))
	f.Add(makeWheel(f, []testMember{{"a/x.py", []byte("x = 1\n"), 0o644, zip.Deflate}}))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		rep, err := Patch(bytes.NewReader(in), int64(len(in)), &out, Config{})
		if err != nil || !rep.Changed {
			return
		}
		if _, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len())); err != nil {
			t.Fatalf("patched wheel is not a zip: %v", err)
		}
		var again bytes.Buffer
		rep2, err := Patch(bytes.NewReader(out.Bytes()), int64(out.Len()), &again, Config{})
		if err != nil {
			t.Fatalf("patched wheel does not patch again: %v", err)
		}
		if rep2.Changed {
			t.Fatalf("second patch changes the wheel again")
		}
	})
}
