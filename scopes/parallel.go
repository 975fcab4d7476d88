package scopes

import (
	"runtime"
	"sync"
)

// parallel runs fn(0) … fn(n-1) on up to workers goroutines and returns
// the error of the lowest index that failed, if any.
func parallel(n, workers int, fn func(i int) error) error {
	errs := make([]error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs[i] = fn(i)
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// onCores is parallel with one goroutine per core: for CPU-bound work
// such as encryption and signature checks.
func onCores(n int, fn func(i int) error) error {
	return parallel(n, runtime.GOMAXPROCS(0), fn)
}
