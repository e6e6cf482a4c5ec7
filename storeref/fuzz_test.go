package storeref

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// FuzzScrub feeds Scan and Scrub arbitrary bytes, seeded with fixtures that
// hold store paths: neither may panic, every reported offset must point at
// its store path, and a scrub must be stable (a second one changes nothing).
func FuzzScrub(f *testing.F) {
	f.Add([]byte("x /nix/store/" + hashA + "-a/lib"))
	for _, fx := range elftest.Fixtures(f) {
		if fx.Variant == "pie" || fx.Variant == "noshdrs" || fx.Variant == "rpath" {
			data := fx.Bytes(f)
			if len(data) <= 24<<10 { // small seeds: faster executions and minimisation
				f.Add(bytes.ReplaceAll(data, []byte("/nonexistent/fixture-lib"), []byte("/nix/store/"+hashA[:13])))
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		refs, _ := Scan(data, DefaultStoreDir)
		for _, r := range refs {
			if r.Offset < 0 {
				continue
			}
			end := r.Offset + int64(len(r.StorePath))
			if end > int64(len(data)) || string(data[r.Offset:end]) != r.StorePath {
				t.Fatalf("ref %+v does not point at its store path", r)
			}
			if !strings.HasPrefix(r.StorePath, DefaultStoreDir+"/") {
				t.Fatalf("ref %+v is not a store path", r)
			}
		}
		res, err := Scrub(data, Options{})
		if err != nil {
			return
		}
		again, err := Scrub(res.Data, Options{})
		if err != nil {
			t.Fatalf("scrubbed data does not scrub again: %v", err)
		}
		if again.Changed {
			t.Fatalf("second scrub changed %+v", again.Changes)
		}
	})
}

func BenchmarkScan(b *testing.B) {
	var data []byte
	for _, fx := range elftest.Fixtures(b) {
		if fx.ID() == "x86_64/bigdynstr/prog" {
			data = fx.Bytes(b)
		}
	}
	if data == nil {
		b.Fatal("no fixture x86_64/bigdynstr/prog")
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Scan(data, DefaultStoreDir); err != nil {
			b.Fatal(err)
		}
	}
}
