package relink

import (
	stdelf "debug/elf"
	"runtime"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// HostPlatform is the platform of the machine this program runs on (its
// GOARCH), the target when no interpreter names another.
func HostPlatform() resolver.Platform {
	le, be := stdelf.ELFDATA2LSB, stdelf.ELFDATA2MSB
	c32, c64 := stdelf.ELFCLASS32, stdelf.ELFCLASS64
	p := map[string]resolver.Platform{
		"amd64":    {Machine: stdelf.EM_X86_64, Class: c64, Data: le},
		"386":      {Machine: stdelf.EM_386, Class: c32, Data: le},
		"arm64":    {Machine: stdelf.EM_AARCH64, Class: c64, Data: le},
		"arm":      {Machine: stdelf.EM_ARM, Class: c32, Data: le},
		"ppc64":    {Machine: stdelf.EM_PPC64, Class: c64, Data: be},
		"ppc64le":  {Machine: stdelf.EM_PPC64, Class: c64, Data: le},
		"s390x":    {Machine: stdelf.EM_S390, Class: c64, Data: be},
		"riscv64":  {Machine: stdelf.EM_RISCV, Class: c64, Data: le},
		"loong64":  {Machine: stdelf.EM_LOONGARCH, Class: c64, Data: le},
		"mips64le": {Machine: stdelf.EM_MIPS, Class: c64, Data: le},
		"mips64":   {Machine: stdelf.EM_MIPS, Class: c64, Data: be},
		"mipsle":   {Machine: stdelf.EM_MIPS, Class: c32, Data: le},
		"mips":     {Machine: stdelf.EM_MIPS, Class: c32, Data: be},
	}[runtime.GOARCH]
	return p
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
