// Package rofile opens and reads files as os.Open and os.ReadFile do,
// without the runtime's poller: configsync reads only regular files,
// directories and, from the command line, the odd pipe, and waits on
// none of them with a deadline.
//
// On Linux os.Open hands every file to the poller, which epoll refuses
// for a regular file after three system calls; the first attempt also
// starts the poller (an epoll instance and an eventfd). A read of the
// store opens ~25 files: going around it takes ~100 system calls and
// ~0.5 ms off `configsync inject` on the machines docs/perf.md measures.
// The module's code reads files through this package alone
// (TestFilesReadThroughRofile).
package rofile

import "io"

// ReadFile reads the named file whole, as os.ReadFile does.
func ReadFile(name string) ([]byte, error) {
	f, err := Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := 0
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = int(fi.Size()) // 0 for /proc files, which then grow the buffer
	}
	data := make([]byte, 0, size+512)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}
