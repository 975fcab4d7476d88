// Command pagefault prints what one fresh page of memory costs here: it
// maps 16 MiB and writes one byte to each 4 KiB page, so each write is a
// page fault. A short-lived program's start-up is mostly such faults
// (its heap, stacks, the pages of code it runs), and their cost differs
// by 100x between machines (a fraction of a microsecond on bare metal,
// tens in some VMs): bench/inject.sh prints it beside the floors so that
// timings from different machines can be compared.
package main

import (
	"fmt"
	"os"
	"slices"
	"syscall"
	"time"
)

func main() {
	const pages, size = 4096, 4096
	var runs []float64
	for range 5 {
		mem, err := syscall.Mmap(-1, 0, pages*size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pagefault:", err)
			os.Exit(1)
		}
		start := time.Now()
		for i := 0; i < pages; i++ {
			mem[i*size] = 1
		}
		runs = append(runs, float64(time.Since(start).Nanoseconds())/pages/1000)
		syscall.Munmap(mem)
	}
	slices.Sort(runs)
	fmt.Printf("%.2f\n", runs[len(runs)/2])
}
