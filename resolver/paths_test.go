package resolver

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The want columns are what CPython 3.11's pathlib.PurePosixPath prints.
func TestPyPath(t *testing.T) {
	tests := []struct{ in, want, name string }{
		{"", ".", ""},
		{".", ".", ""},
		{"/", "/", ""},
		{"//", "//", ""},
		{"///", "/", ""},
		{"//a//b", "//a/b", "b"},
		{"///a", "/a", "a"},
		{"a//b/./c/", "a/b/c", "c"},
		{"./x", "x", "x"},
		{"/a/../b", "/a/../b", "b"},
		{"$ORIGIN/../lib", "$ORIGIN/../lib", "lib"},
		{"$ORIGIN/", "$ORIGIN", "$ORIGIN"},
		{"/nix/store/x/lib/", "/nix/store/x/lib", "lib"},
		{"libfoo.so.1", "libfoo.so.1", "libfoo.so.1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, PyPath(tt.in))
			assert.Equal(t, tt.name, pyName(tt.in))
		})
	}
}

func TestPyJoin(t *testing.T) {
	assert.Equal(t, "/libc/lib/libc.so.6", pyJoin("/libc/lib/", "libc.so.6"))
	assert.Equal(t, "/opt/x.so", pyJoin("/libc/lib", "/opt/x.so"))
	assert.Equal(t, "/libc/lib/a/b", pyJoin("/libc/lib", "./a//b"))
}

func TestOriginEntry(t *testing.T) {
	tests := []struct{ from, target, want string }{
		{"/out/site/foo", "/out/site/foo", "$ORIGIN"},
		{"/out/site/foo", "/out/site/foo/sub", "$ORIGIN/sub"},
		{"/out/site/foo", "/out/site/foo.libs", "$ORIGIN/../foo.libs"},
		{"/out/site/foo/a/b", "/out/site/foo.libs", "$ORIGIN/../../../foo.libs"},
		{"/out/bin", "/out/lib/x", "$ORIGIN/../lib/x"},
		{"/", "/lib", "$ORIGIN/lib"},
		{"/out/lib", "/", "$ORIGIN/../.."},
	}
	for _, tt := range tests {
		t.Run(tt.from+"→"+tt.target, func(t *testing.T) {
			assert.Equal(t, tt.want, originEntry(tt.from, tt.target))
		})
	}
}

func TestExpandOrigin(t *testing.T) {
	tests := []struct {
		entry, want string
		ok          bool
	}{
		{"$ORIGIN", "/out/site/foo", true},
		{"${ORIGIN}/../foo.libs", "/out/site/foo.libs", true},
		{"$ORIGIN/./x/", "/out/site/foo/x", true},
		{"/abs/lib", "", false},
		{"$LIB/x", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			got, ok := expandOrigin(tt.entry, "/out/site/foo")
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestWithin(t *testing.T) {
	assert.True(t, within("/out", "/out"))
	assert.True(t, within("/out", "/out/lib"))
	assert.False(t, within("/out", "/out2/lib"))
	assert.True(t, within("/", "/anything"))
}
