package resolver

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsGlibc(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"libc.so.6", true},
		{"libm.so.6", true},
		{"libpthread.so.0", true},
		{"libdl.so.2", true},
		{"librt.so.1", true},
		{"libresolv.so.2", true},
		{"libutil.so.1", true},
		{"libanl.so.1", true},
		{"libmvec.so.1", true},
		{"libnss_files.so.2", true},
		{"libnss_dns.so.2", true},
		{"libthread_db.so.1", true},
		{"libBrokenLocale.so.1", true},
		{"libc_malloc_debug.so.0", true},
		{"ld-linux-x86-64.so.2", true},
		{"ld-linux-aarch64.so.1", true},
		{"ld-linux-armhf.so.3", true},
		{"ld64.so.1", true},
		{"/lib64/ld-linux-x86-64.so.2", true},
		{"libcurl.so.4", false},
		{"libz.so.1", false},
		{"libstdc++.so.6", false},
		{"libgcc_s.so.1", false},
		{"libc.so", false},
		{"libcrypto.so.3", false},
		{"libnss3.so", false},
	} {
		assert.Equal(t, tc.want, IsGlibc(tc.name), tc.name)
	}
}
