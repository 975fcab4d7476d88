package main

import (
	"strings"
	"testing"
)

func TestChart(t *testing.T) {
	in := "# comment\nfloor\t1\tversion\t2\nitems\t10\tpush\t30\nitems\t1000\tpush\t300\nitems\t10\tstatus\t20\nitems\t1000\tstatus\t25\nitems-memory\t10\tpush (MB)\t12\nitems-memory\t1000\tpush (MB)\t40\n"
	axes, err := read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(axes) != 3 || axes[0].sizes() != 1 || axes[1].sizes() != 2 {
		t.Fatalf("axes = %d, sizes %d, %d", len(axes), axes[0].sizes(), axes[1].sizes())
	}
	svg := draw(axes[1])
	if n := strings.Count(svg, "<polyline"); n != 2 {
		t.Errorf("%d curves, want 2 (push, status)", n)
	}
	for _, want := range []string{"<svg ", "</svg>", ">push<", ">status<", "median time against items", "100 ms", "10 ms"} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
	if mem := draw(axes[2]); !strings.Contains(mem, "peak memory against items") || !strings.Contains(mem, " MB<") {
		t.Errorf("memory axis not labelled in MB:\n%s", mem)
	}
	for _, bad := range []string{"items\t10\tpush\n", "items\tten\tpush\t3\n", "items\t10\tpush\t0\n"} {
		if _, err := read(strings.NewReader(bad)); err == nil {
			t.Errorf("read(%q) accepted", bad)
		}
	}
}
