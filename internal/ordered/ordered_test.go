package ordered

import (
	"context"
	"slices"
	"sync"
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
		assert.LessOrEqual(t, most.Load(), int64(window(workers)*batchSize), "results waiting beyond the window")
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
	assert.LessOrEqual(t, pulled.Load(), int64(100+window(2)*batchSize+1), "the producer ran ahead of the window")
}

func TestOrderedEmpty(t *testing.T) {
	called := false
	err := Map(context.Background(), slices.Values([]int(nil)), 3, func(i int) int { return i }, func(int, int) { called = true })
	assert.NoError(t, err)
	assert.False(t, called)
}

// TestOrderedWaitOnEarlier: work may wait for an earlier item's work to
// finish (the hook orders the names of one inode so), whether the two are
// in one batch or not, without a deadlock.
func TestOrderedWaitOnEarlier(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		done := make([]chan struct{}, 200)
		for i := range done {
			done[i] = make(chan struct{})
		}
		var order []int
		var mu sync.Mutex
		err := Map(context.Background(), slices.Values(seq(200)), workers, func(i int) int {
			if i%3 != 0 && i > 0 {
				<-done[i-1]
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			close(done[i])
			return i
		}, func(int, int) {})
		require.NoError(t, err)
		assert.Len(t, order, 200)
		for i, v := range order {
			if v%3 != 0 && v > 0 {
				assert.Less(t, slices.Index(order, v-1), i, "%d ran before %d", v, v-1)
			}
		}
	}
}
