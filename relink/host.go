package relink

import (
	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/arch"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// HostPlatform is the platform of the machine this program runs on (its
// GOARCH), the target when no interpreter names another; the zero
// Platform on an architecture internal/arch does not know.
func HostPlatform() resolver.Platform {
	a, _ := arch.Host()
	return resolver.Platform{Machine: a.Machine, Class: a.Class, Data: a.Data}
}

// PlatformOfFile parses the ELF file at path (an interpreter, say) and
// returns its platform.
func PlatformOfFile(path string) (resolver.Platform, error) {
	f, err := elf.Open(path)
	if err != nil {
		return resolver.Platform{}, err
	}
	defer f.Close()
	return PlatformOf(f), nil
}
