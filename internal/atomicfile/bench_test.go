package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkEditedFile is the cost of writing one edited file, as the hook
// writes it (no fsync, as inside a Nix build): three small overwrites (an
// ELF header, a program header, a string table), for a small and a large
// file. In place the cost does not depend on the file's size; atomically it
// grows with it, as the copy does (where the file system cannot clone).
func BenchmarkEditedFile(b *testing.B) {
	for _, size := range []int{64 << 10, 64 << 20} {
		for _, mode := range []string{"in-place", "atomic"} {
			b.Run(fmt.Sprintf("%s/%dKiB", mode, size>>10), func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "lib.so")
				data := make([]byte, size)
				for i := range data {
					data[i] = byte(i * 7)
				}
				if err := os.WriteFile(path, data, 0o755); err != nil {
					b.Fatal(err)
				}
				writes := []struct {
					off  int64
					data []byte
				}{{0x10, make([]byte, 48)}, {0x40, make([]byte, 56*9)}, {int64(size / 2), make([]byte, 200)}}
				o := Options{InPlace: inPlace(mode), NoSync: true}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					err := o.ReplaceCopy(path, func(f *os.File) error {
						for _, w := range writes {
							w.data[0] = byte(i)
							if _, err := f.WriteAt(w.data, w.off); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
