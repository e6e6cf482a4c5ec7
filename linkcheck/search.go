package linkcheck

import (
	stdelf "debug/elf"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/arch"
)

// DefaultDirs returns the directories glibc's ld.so searches last for a
// file of this header's architecture: the Debian multiarch directories,
// then the multilib ones (/lib64 on 64-bit arches, lib64/lp64d on RISC-V),
// then /lib and /usr/lib. A real loader searches only the ones its build
// configured; listing them all errs towards "found". Nix's glibc searches
// none of these but its own lib directory, which [Check] adds for an
// executable whose interpreter lies there.
func DefaultDirs(h elf.FileHeader) []string {
	var dirs []string
	if t := multiarchTriple(h); t != "" {
		dirs = append(dirs, "/lib/"+t, "/usr/lib/"+t)
	}
	switch {
	case h.Machine == stdelf.EM_RISCV && h.Class == stdelf.ELFCLASS64:
		dirs = append(dirs, "/lib64/lp64d", "/usr/lib64/lp64d", "/lib64", "/usr/lib64")
	case h.Class == stdelf.ELFCLASS64:
		dirs = append(dirs, "/lib64", "/usr/lib64")
	case h.Machine == stdelf.EM_386:
		dirs = append(dirs, "/lib32", "/usr/lib32")
	}
	return append(dirs, "/lib", "/usr/lib")
}

// multiarchTriple is Debian's multiarch directory name for the arch (from
// internal/arch's table); "" when it has none.
func multiarchTriple(h elf.FileHeader) string {
	a, _ := arch.ByHeader(h.Machine, h.Class, h.Data, h.Flags)
	return a.Multiarch
}

// libToken is what glibc substitutes for $LIB: its slibdir's last part,
// "lib64" on 64-bit multilib builds and "lib" elsewhere (Nix and Debian
// builds use "lib" and "lib/<triple>"). We use the multilib default by
// class; the package documentation says so.
func libToken(h elf.FileHeader) string {
	if h.Class == stdelf.ELFCLASS64 {
		return "lib64"
	}
	return "lib"
}

// expandDST substitutes the dynamic string tokens glibc knows in one
// search-path entry or DT_NEEDED name: $ORIGIN and ${ORIGIN} by origin,
// $LIB and ${LIB} by libToken. A token must be followed by '/' or the end
// of the string, as in glibc's is_dst; other '$' sequences stay literal.
// $PLATFORM depends on the CPU the program runs on (AT_PLATFORM), so an
// entry using it cannot be checked: unknown is then "$PLATFORM".
func expandDST(s, origin string, h elf.FileHeader) (out, unknown string) {
	if !strings.Contains(s, "$") {
		return s, ""
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' {
			b.WriteByte(s[i])
			i++
			continue
		}
		name, n := dstName(s[i+1:])
		switch name {
		case "ORIGIN":
			b.WriteString(origin)
		case "LIB":
			b.WriteString(libToken(h))
		case "PLATFORM":
			return "", "$PLATFORM"
		default:
			b.WriteByte('$')
			i++
			continue
		}
		i += 1 + n
	}
	return b.String(), ""
}

// dstName reads the token after a '$': "ORIGIN" from "ORIGIN/x" or
// "{ORIGIN}/x", with the bytes it spans; "" when it is not a token.
func dstName(s string) (string, int) {
	for _, name := range [...]string{"ORIGIN", "PLATFORM", "LIB"} {
		if strings.HasPrefix(s, "{"+name+"}") {
			return name, len(name) + 2
		}
		if strings.HasPrefix(s, name) && (len(s) == len(name) || s[len(name)] == '/') {
			return name, len(name)
		}
	}
	return "", 0
}
