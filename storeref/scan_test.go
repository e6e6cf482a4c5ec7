package storeref

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Hashes in Nix base32, as in real store paths.
const (
	hashA = "0c7yzr2x3nvqjx7sz8bqmvw5gm5hkz1a"
	hashB = "1b8xprl9kb4d0q2aywrlgkwddc7s3xjm"
)

func TestFindAll(t *testing.T) {
	tests := []struct {
		name, in string
		want     []match
	}{
		{"path in text", "x=/nix/store/" + hashA + "-krb5-1.21.3/lib:y",
			[]match{{2, "/nix/store/" + hashA + "-krb5-1.21.3"}}},
		{"two, NUL separated", "/nix/store/" + hashA + "-a\x00/nix/store/" + hashB + "-b+c_d.e?f=g",
			[]match{{0, "/nix/store/" + hashA + "-a"}, {46, "/nix/store/" + hashB + "-b+c_d.e?f=g"}}},
		{"at the very end", "/nix/store/" + hashA + "-z", []match{{0, "/nix/store/" + hashA + "-z"}}},
		{"blanked hash is not a reference", "/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-krb5", nil},
		{"e is not nix32", "/nix/store/0c7yzr2x3nvqjx7sz8bqmvw5gm5hkz1e-krb5", nil},
		{"hash too short", "/nix/store/0c7yzr2x3nvqjx7sz8bqmvw5gm5hkz1-krb5", nil},
		{"no name", "/nix/store/" + hashA + "-", nil},
		{"no dash", "/nix/store/" + hashA + "krb5", nil},
		{"name starting with a dot", "/nix/store/" + hashA + "-.x", nil},
		{"the store dir alone", "/nix/store/", nil},
		{"other store dir", "/gnu/store/" + hashA + "-a", nil},
		{"second attempt after a false start", "/nix/store//nix/store/" + hashA + "-a",
			[]match{{11, "/nix/store/" + hashA + "-a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, findAll([]byte(tt.in), "/nix/store"))
		})
	}
}

func TestFindAllStoreDir(t *testing.T) {
	got := findAll([]byte("/gnu/store/"+hashA+"-a /nix/store/"+hashB+"-b"), "/gnu/store")
	assert.Equal(t, []match{{0, "/gnu/store/" + hashA + "-a"}}, got)
}

func TestCleanStoreDir(t *testing.T) {
	for in, want := range map[string]string{"/nix/store": "/nix/store", "/nix/store/": "/nix/store", "/s//": "/s"} {
		got, err := CleanStoreDir(in)
		assert.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{"", "/", "nix/store", "//"} {
		_, err := CleanStoreDir(in)
		assert.Error(t, err, in)
	}
}

func TestScanText(t *testing.T) {
	data := []byte("#!/nix/store/" + hashA + "-python3-3.14.0/bin/python3.14\nimport x\n")
	refs, err := Scan(data, DefaultStoreDir)
	assert.NoError(t, err)
	assert.Equal(t, []Ref{{Kind: Bytes, StorePath: "/nix/store/" + hashA + "-python3-3.14.0", Offset: 2}}, refs)
}

func TestScanMalformedELF(t *testing.T) {
	data := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 100)...)
	data = append(data, "/nix/store/"+hashA+"-x"...)
	refs, err := Scan(data, DefaultStoreDir)
	assert.Error(t, err)
	assert.Equal(t, []Ref{{Kind: Bytes, StorePath: "/nix/store/" + hashA + "-x", Offset: 107}}, refs)
}
