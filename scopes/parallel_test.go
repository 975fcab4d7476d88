package scopes

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestReadThenOpen: reads run in order on one goroutine, every read is
// opened with its own data, and the errors win as if all reads came
// first: a read error over any open error, else the lowest index's.
func TestReadThenOpen(t *testing.T) {
	errRead, errOpen := errors.New("read 6"), errors.New("open")
	tests := []struct {
		name      string
		readFails int // index, -1 for none
		openFails []int
		want      error
		wantReads int
	}{
		{"all fine", -1, nil, nil, 10},
		{"a read fails", 6, nil, errRead, 7},
		{"a read error wins over an earlier open error", 6, []int{2}, errRead, 7},
		{"the lowest open error wins", -1, []int{7, 3}, fmt.Errorf("%w 3", errOpen), 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reads []int
			var mu sync.Mutex
			opened := map[int]string{}
			read := func(i int) ([]byte, error) {
				reads = append(reads, i) // one goroutine: no lock
				if i == tt.readFails {
					return nil, errRead
				}
				return []byte(fmt.Sprint("data ", i)), nil
			}
			open := func(i int, data []byte) error {
				mu.Lock()
				opened[i] = string(data)
				mu.Unlock()
				for _, f := range tt.openFails {
					if f == i {
						return fmt.Errorf("%w %d", errOpen, i)
					}
				}
				return nil
			}
			err := readThenOpen(10, read, open)
			if fmt.Sprint(err) != fmt.Sprint(tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if len(reads) != tt.wantReads {
				t.Fatalf("reads %v, want %d", reads, tt.wantReads)
			}
			for i, r := range reads {
				if r != i {
					t.Fatalf("reads %v, want them in order", reads)
				}
			}
			for i := range tt.wantReads {
				if i != tt.readFails && opened[i] != fmt.Sprint("data ", i) {
					t.Errorf("item %d opened with %q", i, opened[i])
				}
			}
		})
	}
}
