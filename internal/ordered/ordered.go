// Package ordered runs work on a bounded number of goroutines and hands the
// results back in the order of the input, so that what a run reports does
// not depend on how many workers it had or which finished first.
package ordered

import (
	"context"
	"iter"
	"sync"
)

// Map calls work on every item of in, on up to workers goroutines,
// and hands each result to emit in the order of in, from the calling
// goroutine. in runs on a goroutine of its own, ahead of the workers by at
// most a window of items, so memory does not grow with the number of
// items. It returns ctx's error if ctx ends first; work already started is
// waited for, and in is stopped.
func Map[In, Out any](ctx context.Context, in iter.Seq[In], workers int, work func(In) Out, emit func(In, Out)) error {
	workers = max(1, workers)
	window := 4*workers + 16
	type slot struct {
		in  In
		out chan Out
	}
	free := make(chan *slot, window)
	for range window {
		free <- &slot{out: make(chan Out, 1)}
	}
	queue := make(chan *slot, window) // in order, to emit
	jobs := make(chan *slot)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for s := range jobs {
				s.out <- work(s.in)
			}
		})
	}
	wg.Go(func() {
		defer close(queue)
		defer close(jobs)
		for v := range in {
			var s *slot
			select {
			case s = <-free:
			case <-stop:
				return
			}
			s.in = v
			queue <- s // never blocks: at most window slots exist
			select {
			case jobs <- s:
			case <-stop:
				return
			}
		}
	})
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for s := range queue {
		select {
		case v := <-s.out:
			emit(s.in, v)
			var zero In
			s.in = zero
			free <- s
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return ctx.Err()
}
