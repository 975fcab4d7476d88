package prefault

import (
	"syscall"
	"unsafe"
)

// From <linux/mman.h>; the syscall package predates them.
const (
	madvHugePage     = 14
	madvPopulateRead = 22
	madvCollapse     = 25
)

const hugePage = 2 << 20

// heapProbe is a first heap allocation: where the heap starts.
var heapProbe *[16]byte

func init() {
	if v, _ := syscall.Getenv("CONFIGSYNC_PREFAULT"); v == "0" {
		return
	}
	mapCode()
	backHeap()
}

// mapCode maps the executable's read-only segments (code, then constant
// data and the function tables) as one call each.
func mapCode() {
	maps, err := readFile("/proc/self/maps")
	if err != nil {
		return
	}
	self := codeAddress()
	var exe string
	for m := range mappings(maps) {
		if m.start <= self && self < m.end {
			exe = m.path
		}
	}
	if exe == "" {
		return
	}
	for m := range mappings(maps) {
		if m.path == exe && !m.writable {
			madvise(m.start, m.end-m.start, madvPopulateRead)
		}
	}
}

// backHeap backs the first two huge pages of the heap with huge pages:
// the one allocation so far has touched the first (collapsed now, its
// pages copied), and the second is a huge page from its first touch. A
// short command's whole heap fits; a long one's grows past them on
// ordinary pages, as it would anyway.
func backHeap() {
	heapProbe = new([16]byte)
	start := uintptr(unsafe.Pointer(heapProbe)) &^ (hugePage - 1)
	madvise(start, 2*hugePage, madvHugePage)
	madvise(start, hugePage, madvCollapse)
}

// codeAddress is an address in this program's code.
func codeAddress() uintptr {
	f := codeAddress
	return **(**uintptr)(unsafe.Pointer(&f))
}

type mapping struct {
	start, end uintptr
	writable   bool
	path       string
}

// mappings yields the file mappings of /proc/self/maps, whose lines read
// "00400000-00a37000 r-xp 00000000 fd:01 1234   /usr/bin/configsync".
// It parses by hand: this runs before strings and bytes are initialised.
func mappings(data []byte) func(yield func(mapping) bool) {
	return func(yield func(mapping) bool) {
		for rest := data; len(rest) > 0; {
			line := rest
			if i := indexByte(rest, '\n'); i >= 0 {
				line, rest = rest[:i], rest[i+1:]
			} else {
				rest = nil
			}
			var f [6][]byte
			n := 0
			for len(line) > 0 && n < len(f) {
				for len(line) > 0 && line[0] == ' ' {
					line = line[1:]
				}
				end := indexByte(line, ' ')
				if end < 0 || n == len(f)-1 {
					end = len(line)
				}
				if end > 0 {
					f[n], n = line[:end], n+1
				}
				line = line[end:]
			}
			if n < 6 || len(f[1]) < 2 {
				continue // anonymous
			}
			dash := indexByte(f[0], '-')
			if dash < 0 {
				continue
			}
			m := mapping{start: hex(f[0][:dash]), end: hex(f[0][dash+1:]), writable: f[1][1] == 'w', path: string(f[5])}
			if !yield(m) {
				return
			}
		}
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func hex(b []byte) uintptr {
	var v uintptr
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uintptr(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uintptr(c-'a'+10)
		default:
			return 0
		}
	}
	return v
}

// readFile reads a /proc file with the syscall package alone: os is not
// yet initialised when this runs.
func readFile(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	buf := make([]byte, 0, 16<<10)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

func madvise(addr, n, advice uintptr) {
	syscall.Syscall(syscall.SYS_MADVISE, addr, n, advice)
}
