// Command pair times two commands in turn and prints the median of the
// ratio pair by pair, for bench/inject.sh. On a shared machine whose
// speed drifts within a run (other VMs, the page cache), both halves of
// a pair drift together, so the ratio of each pair is steadier than the
// ratio of two medians taken a minute apart.
//
//	pair [-n 60] [-warmup 3] -a 'CMD ARG…' -b 'CMD ARG…'
//
// The commands are split on spaces (no quoting) and run directly, with
// no shell, their output discarded; one that fails stops the run. Pairs
// alternate the order (A B, then B A), so neither always runs second.
// The last line reads "pair: B/A median R q1 R q3 R n N".
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

func main() {
	n := flag.Int("n", 60, "pairs to time")
	warmup := flag.Int("warmup", 3, "pairs to run first, untimed")
	a := flag.String("a", "", "command A")
	b := flag.String("b", "", "command B")
	flag.Parse()
	cmdA, cmdB := strings.Fields(*a), strings.Fields(*b)
	if len(cmdA) == 0 || len(cmdB) == 0 || *n < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: pair [-n PAIRS] [-warmup PAIRS] -a 'CMD ARG…' -b 'CMD ARG…'")
		os.Exit(2)
	}
	var timesA, timesB, ratios []float64
	for i := range *warmup + *n {
		var ta, tb time.Duration
		if i%2 == 0 {
			ta, tb = run(cmdA), run(cmdB)
		} else {
			tb, ta = run(cmdB), run(cmdA)
		}
		if i < *warmup {
			continue
		}
		timesA = append(timesA, ms(ta))
		timesB = append(timesB, ms(tb))
		ratios = append(ratios, float64(tb)/float64(ta))
	}
	fmt.Printf("A  %-48s median %8.2f ms\n", *a, quantile(timesA, 0.5))
	fmt.Printf("B  %-48s median %8.2f ms\n", *b, quantile(timesB, 0.5))
	fmt.Printf("pair: B/A median %.3f q1 %.3f q3 %.3f n %d\n",
		quantile(ratios, 0.5), quantile(ratios, 0.25), quantile(ratios, 0.75), len(ratios))
}

// run runs a command once and returns its wall time.
func run(argv []string) time.Duration {
	cmd := exec.Command(argv[0], argv[1:]...)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "pair: %s: %v\n", strings.Join(argv, " "), err)
		os.Exit(1)
	}
	return time.Since(start)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// quantile is the q-quantile of xs, interpolated between the two
// nearest values.
func quantile(xs []float64, q float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo+1 >= len(s) {
		return s[lo]
	}
	return s[lo] + (pos-float64(lo))*(s[lo+1]-s[lo])
}
