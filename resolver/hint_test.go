package resolver

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHint(t *testing.T) {
	tests := []struct {
		soname, want string
		ok           bool
	}{
		{"libpq.so.5", "libpq", true},
		{"libgssapi_krb5.so.2", "krb5.lib", true},
		{"libkrb5.so.3", "krb5.lib", true},
		{"libk5crypto.so.3", "krb5.lib", true},
		{"libcom_err.so.3", "krb5.lib", true},
		{"libxml2.so.2", "libxml2.out", true},
		{"libxslt.so.1", "libxslt.out", true},
		{"libexslt.so.0", "libxslt.out", true},
		{"libxmlsec1.so.1", "xmlsec", true},
		{"libxmlsec1-openssl.so.1", "xmlsec", true},
		{"libltdl.so.7", "libtool.lib", true},
		{"libssl.so.3", "openssl.out", true},
		{"libcrypto.so.3", "openssl.out", true},
		{"libffi.so.8", "libffi.out", true},
		{"libz.so.1", "zlib", true},
		{"libstdc++.so.6", "stdenv.cc.cc.lib", true},
		{"libgcc_s.so.1", "stdenv.cc.cc.lib", true},
		{"libmaxminddb.so.0", "libmaxminddb", true},
		{"libGL.so.1", "libGL", true},
		{"libX11.so.6", "xorg.libX11", true},
		{"libglib-2.0.so.0", "glib.out", true},
		{"libsqlite3.so.0", "sqlite.out", true},
		// Stem fallback for fast-moving versions.
		{"libicuuc.so.76", "icu", true},
		{"libkadm5srv_mit.so.12", "krb5.lib", true},
		// A path is looked up by its base name.
		{"/usr/lib/libz.so.1", "zlib", true},
		// Unknown names, and no fallback across different sonames.
		{"libcuda.so.1", "", false},
		{"libz.so.2", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.soname, func(t *testing.T) {
			got, ok := Hint(tt.soname)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}
