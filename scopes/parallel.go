package scopes

import (
	"runtime"

	"golang.org/x/sync/errgroup"
)

// parallel runs fn(0) … fn(n-1) on up to workers goroutines and returns
// the error of the lowest index that failed, if any.
func parallel(n, workers int, fn func(i int) error) error {
	if n == 1 {
		return fn(0) // not worth a goroutine
	}
	errs := make([]error, n)
	var g errgroup.Group
	g.SetLimit(workers)
	for i := range n {
		g.Go(func() error {
			errs[i] = fn(i)
			return nil
		})
	}
	_ = g.Wait() // never fails: errors go to errs, so the lowest index wins
	return firstErr(errs)
}

// onCores is parallel with one goroutine per core: for CPU-bound work
// such as encryption and signature checks.
func onCores(n int, fn func(i int) error) error {
	return parallel(n, runtime.GOMAXPROCS(0), fn)
}

// readThenOpen calls read for 0…n-1 in order on this goroutine, and open
// with what each read returned on one goroutine per core, so that the
// reads (serial: the store is not safe for concurrent readers) overlap
// the CPU-bound opens. A read error wins over every open error, as if all
// reads came first; otherwise the lowest index's open error wins.
func readThenOpen(n int, read func(i int) ([]byte, error), open func(i int, data []byte) error) error {
	errs := make([]error, n)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range n {
		data, err := read(i)
		if err != nil {
			_ = g.Wait()
			return err
		}
		g.Go(func() error {
			errs[i] = open(i, data)
			return nil
		})
	}
	_ = g.Wait() // never fails: errors go to errs, so the lowest index wins
	return firstErr(errs)
}

// firstErr is the error of the lowest index, if any.
func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
