package resolver

import (
	"strings"

	"github.com/gopatchelf/gopatchelf/internal/arch"
)

// glibcSonames are the sonames of the shared libraries glibc installs (as
// of 2.40; libcrypt left glibc for libxcrypt in 2.39, libSegFault in
// 2.35, both still listed for older systems), but for the loaders, which
// internal/arch's table names.
var glibcSonames = map[string]bool{
	"libc.so.6": true, "libm.so.6": true, "libpthread.so.0": true, "libdl.so.2": true,
	"librt.so.1": true, "libresolv.so.2": true, "libutil.so.1": true, "libanl.so.1": true,
	"libmvec.so.1": true, "libthread_db.so.1": true, "libBrokenLocale.so.1": true,
	"libc_malloc_debug.so.0": true, "libmemusage.so": true, "libpcprofile.so": true,
	"libSegFault.so": true, "libnsl.so.1": true, "libcidn.so.1": true, "libcrypt.so.1": true,
	// alpha and ia64 number them differently
	"libc.so.6.1": true, "libm.so.6.1": true,
}

// IsGlibc reports whether name (a DT_NEEDED entry or a file name) is one
// of glibc's own libraries: libc.so.6, libm.so.6, the dynamic loader
// (ld-linux*.so.*), libpthread, libdl, librt, libresolv, libutil, libanl,
// libmvec, libnss_*, libthread_db and the others glibc installs. Outside
// Nix the directory that holds libc.so.6 usually holds every other
// library of the system too (Debian's /lib/x86_64-linux-gnu, Fedora's
// /lib64); there only these are left to the dynamic loader as libc's.
func IsGlibc(name string) bool {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	switch {
	case glibcSonames[name], arch.IsGlibcLoader(name):
		return true
	case strings.HasPrefix(name, "ld-linux") && strings.Contains(name, ".so."):
		return true
	case strings.HasPrefix(name, "libnss_") && strings.Contains(name, ".so."):
		return true
	}
	return false
}
