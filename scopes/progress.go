package scopes

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressMin is the number of items from which an operation reports its
// progress: below it, it is over before anyone could read it.
const progressMin = 50

// progress reports a count and a rate the way git does on a terminal:
// one line rewritten in place ("Encrypting items:  42% (420/1000),
// 850/s\r"), updated at most once per percent, then "…, done." and a
// newline. A nil *progress reports nothing. It is safe for concurrent
// use.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	total int
	done  int
	shown int // the percentage last written, -1 for none
	start time.Time
}

// newProgress returns a progress for total items, or nil when there is no
// progress writer or too few items.
func (lc *local) newProgress(label string, total int) *progress {
	if lc.opts.Progress == nil || total < progressMin {
		return nil
	}
	return &progress{w: lc.opts.Progress, label: label, total: total, shown: -1, start: time.Now()}
}

// add counts n more items done.
func (p *progress) add(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if pct := p.done * 100 / p.total; pct != p.shown && p.done < p.total {
		p.shown = pct
		fmt.Fprintf(p.w, "%s: %3d%% (%d/%d)%s\r", p.label, pct, p.done, p.total, p.rate())
	}
}

// finish ends the line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s: 100%% (%d/%d)%s, done.\n", p.label, p.done, p.total, p.rate())
}

// rate is ", N/s" once there is a rate to tell (display only: the wall
// clock, not the injected one).
func (p *progress) rate() string {
	elapsed := time.Since(p.start).Seconds()
	if elapsed <= 0 || p.done == 0 {
		return ""
	}
	return fmt.Sprintf(", %.0f/s", float64(p.done)/elapsed)
}
