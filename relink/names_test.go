package relink

import (
	stdelf "debug/elf"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gopatchelf/gopatchelf/resolver"
)

var x64 = resolver.Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}

func TestArchNames(t *testing.T) {
	ppc64le := resolver.Platform{Machine: stdelf.EM_PPC64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	ppc64 := resolver.Platform{Machine: stdelf.EM_PPC64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2MSB}
	a, b := archNames2(ppc64, ppc64le)
	assert.Equal(t, "64-bit PowerPC, 64-bit big-endian", a)
	assert.Equal(t, "64-bit PowerPC, 64-bit little-endian", b)

	a, b = archNames2(resolver.Platform{Machine: stdelf.EM_AARCH64}, x64)
	assert.Equal(t, [2]string{"AArch64", "x64"}, [2]string{a, b}, "upstream's names when machines differ")

	a, b = archNames2(resolver.Platform{Machine: 0x9999}, resolver.Platform{Machine: 0x9998})
	assert.Equal(t, [2]string{"<unknown> 39321", "<unknown> 39320"}, [2]string{a, b})

	assert.Equal(t, "ELFOSABI_FREEBSD", OSABIName(stdelf.ELFOSABI_FREEBSD))
	assert.Equal(t, "42", OSABIName(42))
	assert.Equal(t, "RISC-V", ArchName(stdelf.EM_RISCV))
}
