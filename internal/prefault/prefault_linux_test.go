package prefault

import (
	"os"
	"slices"
	"testing"
	"unsafe"
)

func TestMappings(t *testing.T) {
	maps := []byte(`00400000-00a37000 r-xp 00000000 fd:01 1234                               /usr/bin/config sync
00a37000-01114000 r--p 00637000 fd:01 1234                               /usr/bin/config sync
01114000-0118d000 rw-p 00d14000 fd:01 1234                               /usr/bin/config sync
0118d000-031d0000 rw-p 00000000 00:00 0
c000000000-c004000000 rw-p 00000000 00:00 0
7ffd1c1e4000-7ffd1c205000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]`)
	var got []mapping
	for m := range mappings(maps) {
		got = append(got, m)
	}
	want := []mapping{
		{0x400000, 0xa37000, false, "/usr/bin/config sync"},
		{0xa37000, 0x1114000, false, "/usr/bin/config sync"},
		{0x1114000, 0x118d000, true, "/usr/bin/config sync"},
		{0x7ffd1c1e4000, 0x7ffd1c205000, true, "[stack]"},
		{0xffffffffff600000, 0xffffffffff601000, false, "[vsyscall]"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("mappings:\n got %+v\nwant %+v", got, want)
	}
}

// TestOwnMappings reads this test binary's own maps as init does: its
// code is found, in a read-only mapping of the executable.
func TestOwnMappings(t *testing.T) {
	maps, err := readFile("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	self := codeAddress()
	found := false
	for m := range mappings(maps) {
		if m.start <= self && self < m.end {
			found = true
			if m.path != exe || m.writable {
				t.Errorf("code at %#x is in %+v, want a read-only mapping of %s", self, m, exe)
			}
		}
	}
	if !found {
		t.Errorf("code at %#x is in no file mapping of:\n%s", self, maps)
	}
	if heapProbe == nil || uintptr(unsafe.Pointer(heapProbe)) == 0 {
		t.Error("init did not run: no heap probe")
	}
}
