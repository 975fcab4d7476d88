// Package prefault, imported for its side effect, maps the program's own
// code and its first heap pages in a few system calls when it starts,
// instead of one page fault per page as they are first touched.
//
// A configsync command is short: most of `configsync inject` is the
// start-up of a 20 MB Go binary, and most of that start-up is page
// faults, each a trap into the kernel (and, in a virtual machine, often
// out to the hypervisor: 13 to 50 µs each on the machines
// docs/perf.md measures, for ~650 faults per inject). Asking the kernel
// to map the code in one madvise call, and to back the first 4 MiB of
// heap with huge pages, removes ~300 of them: inject starts ~3 ms sooner
// there (docs/perf.md). On bare metal, where a fault costs well under a
// microsecond, the calls cost about what they save.
//
// It is Linux only (MADV_POPULATE_READ, Linux 5.14; MADV_COLLAPSE, 6.1);
// elsewhere, or on an older kernel, it does nothing, and any failure is
// ignored: it only changes when pages are mapped, never what they hold.
// CONFIGSYNC_PREFAULT=0 turns it off, to measure it.
package prefault
