package ordered

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestOrdered: results arrive in index order whatever the workers' speed,
// and no more than the window is ever waiting to be emitted.
func TestOrdered(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		var running, most atomic.Int64
		var got []int
		err := Map(context.Background(), slices.Values(seq(500)), workers, func(i int) int {
			n := running.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			if i%7 == 0 {
				time.Sleep(time.Millisecond)
			}
			return i * 2
		}, func(i, v int) {
			running.Add(-1)
			assert.Equal(t, i*2, v)
			got = append(got, i)
		})
		require.NoError(t, err)
		require.Len(t, got, 500)
		for i, v := range got {
			require.Equal(t, i, v)
		}
		assert.LessOrEqual(t, most.Load(), int64(4*workers+16), "results waiting beyond the window")
	}
}

func TestOrderedCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	emitted := 0
	err := Map(ctx, slices.Values(seq(1000)), 4, func(i int) int { return i }, func(i, v int) {
		emitted++
		if i == 10 {
			cancel()
		}
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, emitted, 1000)
}

// TestOrderedStopsTheProducer: a cancelled run stops pulling items.
func TestOrderedStopsTheProducer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var pulled atomic.Int64
	endless := func(yield func(int) bool) {
		for i := 0; ; i++ {
			pulled.Add(1)
			if !yield(i) {
				return
			}
		}
	}
	err := Map(ctx, endless, 2, func(i int) int { return i }, func(i, v int) {
		if i == 100 {
			cancel()
		}
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, pulled.Load(), int64(100+4*2+16+2), "the producer ran ahead of the window")
}

func TestOrderedEmpty(t *testing.T) {
	called := false
	err := Map(context.Background(), slices.Values([]int(nil)), 3, func(i int) int { return i }, func(int, int) { called = true })
	assert.NoError(t, err)
	assert.False(t, called)
}
