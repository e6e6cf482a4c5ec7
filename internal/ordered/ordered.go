// Package ordered runs work on a bounded number of goroutines and hands the
// results back in the order of the input, so that what a run reports does
// not depend on how many workers it had or which finished first.
package ordered

import (
	"context"
	"iter"
	"sync"
)

// batchSize is how many consecutive items a worker takes at once. Handing
// items over one by one costs a goroutine wake-up each, which on a small
// machine costs more than the work of an item that is one open and one
// read (the hook probes every file of a tree this way); in batches, the
// hand-overs are a fraction of the items.
const batchSize = 16

// window is how many batches may be taken from in and not yet emitted.
func window(workers int) int { return 2*workers + 2 }

// Map calls work on every item of in, on up to workers goroutines,
// and hands each result to emit in the order of in, from the calling
// goroutine. in runs on a goroutine of its own, ahead of the workers by at
// most a window of items, so memory does not grow with the number of
// items. Consecutive items go to the same worker, in order, in batches of
// a few. It returns ctx's error if ctx ends first; the batches already
// handed to workers are finished (work may wait for an earlier item's),
// and in is stopped.
func Map[In, Out any](ctx context.Context, in iter.Seq[In], workers int, work func(In) Out, emit func(In, Out)) error {
	workers = max(1, workers)
	type batch struct {
		in   []In
		out  []Out
		done chan struct{}
	}
	n := window(workers)
	free := make(chan *batch, n)
	for range n {
		free <- &batch{in: make([]In, 0, batchSize), out: make([]Out, 0, batchSize), done: make(chan struct{}, 1)}
	}
	queue := make(chan *batch, n) // in order, to emit
	jobs := make(chan *batch, n)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range jobs {
				for _, v := range b.in {
					b.out = append(b.out, work(v))
				}
				b.done <- struct{}{}
			}
		})
	}
	wg.Go(func() {
		defer close(queue)
		defer close(jobs)
		var b *batch
		send := func() {
			queue <- b // never blocks: at most n batches exist
			jobs <- b  // nor this
			b = nil
		}
		for v := range in {
			if b == nil {
				select {
				case b = <-free:
				case <-stop:
					return
				}
			}
			b.in = append(b.in, v)
			if len(b.in) == batchSize {
				send()
			}
		}
		if b != nil {
			send()
		}
	})
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for b := range queue {
		select {
		case <-b.done:
			for i := range b.in {
				if err := ctx.Err(); err != nil {
					return err
				}
				emit(b.in[i], b.out[i])
			}
			clear(b.in)
			clear(b.out)
			b.in, b.out = b.in[:0], b.out[:0]
			free <- b
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return ctx.Err()
}
