package linkcheck

import (
	"bytes"
	"testing"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// FuzzReadVersions feeds mutated fixtures to the version-table reader:
// it must return, without panicking, for any file package elf accepts.
func FuzzReadVersions(f *testing.F) {
	for _, fx := range elftest.Fixtures(f) {
		if fx.Kind == elftest.Program || fx.Kind == elftest.Library {
			if data := fx.Bytes(f); len(data) <= 24<<10 { // small seeds: faster executions and minimisation
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ef, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		v, err := ReadVersions(ef, bytes.NewReader(data))
		if err == nil && v == nil {
			t.Fatal("nil Versions without an error")
		}
	})
}
