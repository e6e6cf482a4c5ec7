package ldcache_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/ldcache"
)

func fakeFS(files ...string) ldcache.FS {
	set := map[string]bool{}
	for _, f := range files {
		set[f] = true
	}
	return ldcache.FS{
		Readable: func(p string) bool { return set[p] },
		Exists:   func(p string) bool { return set[p] },
	}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name    string
		needed  []string
		runpath string
		files   []string
		want    string
		err     error
	}{
		{
			name:    "first match per dir, sorted by name",
			needed:  []string{"libz.so.1", "libfoo.so"},
			runpath: "/s/foo/lib:/s/z/lib",
			files:   []string{"/s/foo/lib/libfoo.so", "/s/z/lib/libz.so.1"},
			want:    "libfoo.so\x00=/s/foo/lib/libfoo.so\x00libz.so.1\x00=/s/z/lib/libz.so.1\x00\x00",
		},
		{
			name:    "every dir that has it, in run-path order",
			needed:  []string{"libfoo.so"},
			runpath: "/a:/b",
			files:   []string{"/a/libfoo.so", "/b/libfoo.so"},
			want:    "libfoo.so\x00=/a/libfoo.so:=/b/libfoo.so\x00\x00",
		},
		{
			name:    "tokens, relative and empty entries and hwcaps dirs are search hints",
			needed:  []string{"libfoo.so"},
			runpath: "$ORIGIN/../lib::rel:/h:/a",
			files:   []string{"/h/glibc-hwcaps", "/a/libfoo.so"},
			want:    "libfoo.so\x00?$ORIGIN/../lib:?:?rel:?/h:=/a/libfoo.so\x00\x00",
		},
		{
			name:    "names with a slash are left to the loader",
			needed:  []string{"/abs/libx.so", "libfoo.so"},
			runpath: "$ORIGIN",
			want:    "libfoo.so\x00?$ORIGIN\x00\x00",
		},
		{name: "no run path", needed: []string{"libfoo.so"}, err: ldcache.ErrNothingToResolve},
		{name: "no needed", runpath: "/a", err: ldcache.ErrNothingToResolve},
		{name: "nothing found", needed: []string{"libfoo.so"}, runpath: "/a", err: ldcache.ErrNoneResolved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ldcache.Build(tt.needed, tt.runpath, fakeFS(tt.files...))
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			entries, err := ldcache.Parse(got)
			require.NoError(t, err)
			assert.Equal(t, got, ldcache.Encode(entries))
		})
	}
}

func TestParse(t *testing.T) {
	got, err := ldcache.Parse([]byte("a\x00=/x/a:?$ORIGIN\x00b\x00?/y\x00\x00"))
	require.NoError(t, err)
	assert.Equal(t, []ldcache.Entry{
		{Needed: "a", Paths: []ldcache.Path{{Exact: true, Value: "/x/a"}, {Value: "$ORIGIN"}}},
		{Needed: "b", Paths: []ldcache.Path{{Value: "/y"}}},
	}, got)
	for _, bad := range []string{"", "a\x00=/x", "a\x00=/x\x00", "a\x00/x\x00\x00", "\x00=/x\x00\x00", "a\x00\x00\x00"} {
		_, err := ldcache.Parse([]byte(bad))
		assert.ErrorIs(t, err, ldcache.ErrMalformed, "%q", bad)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("a\x00=/x/a\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := ldcache.Parse(b)
		if err != nil {
			return
		}
		again, err := ldcache.Parse(ldcache.Encode(entries))
		require.NoError(t, err)
		assert.ElementsMatch(t, entries, again)
	})
}
