package linkcheck

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckCancelled(t *testing.T) {
	root := tempRoot(t)
	put(t, filepath.Join(root, "prog"), fixtureBytes(t, "x86_64/pie/prog"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := Check(ctx, Config{Paths: []string{root}})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, rep)
}

// TestReportIsDeterministic: two runs over the same tree give the same
// JSON document.
func TestReportIsDeterministic(t *testing.T) {
	root := treeOf(t, 20)
	var docs []string
	for range 2 {
		rep, err := Check(context.Background(), Config{Paths: []string{root}})
		require.NoError(t, err)
		b, err := rep.MarshalJSON()
		require.NoError(t, err)
		docs = append(docs, string(b))
	}
	assert.Equal(t, docs[0], docs[1])
	assert.Contains(t, docs[0], `"version":1`)
}

// treeOf lays out n extension-module-like libraries that each need a
// library from a shared "store" directory through RUNPATH, the shape of
// a patched site-packages.
func treeOf(tb testing.TB, n int) string {
	tb.Helper()
	root, err := filepath.EvalSymlinks(tb.TempDir())
	require.NoError(tb, err)
	foo := fixtureBytesTB(tb, "x86_64/transitive/libfoo.so")
	put(tb, filepath.Join(root, "store/lib/libbar.so"), fixtureBytesTB(tb, "x86_64/transitive/libbar.so"))
	for i := range n {
		put(tb, filepath.Join(root, fmt.Sprintf("site-packages/pkg%03d/_ext.cpython-314-x86_64-linux-gnu.so", i)),
			pathsTB(tb, foo, root+"/store/lib", false))
	}
	return root
}

func BenchmarkCheck(b *testing.B) {
	root := treeOf(b, 300)
	b.ResetTimer()
	for b.Loop() {
		rep, err := Check(context.Background(), Config{Paths: []string{filepath.Join(root, "site-packages")}})
		if err != nil || !rep.OK() {
			b.Fatalf("%v %+v", err, rep)
		}
	}
}
