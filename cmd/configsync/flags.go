package main

import (
	"errors"
	"strings"
)

// listFlag is a flag that accumulates when repeated: --tier dev --tier
// staging is --tier dev,staging (a plain string flag keeps only the last).
type listFlag struct{ vals []string }

func (f *listFlag) Set(s string) error { f.vals = append(f.vals, s); return nil }
func (f *listFlag) String() string     { return strings.Join(f.vals, ",") }
func (f *listFlag) Type() string       { return "string" }

// onceFlag is a string flag that takes one value: repeating it is a usage
// error rather than a silent choice of the last.
type onceFlag struct {
	val string
	set bool
}

func (f *onceFlag) Set(s string) error {
	if f.set {
		return errors.New("given more than once: it takes one value")
	}
	f.val, f.set = s, true
	return nil
}
func (f *onceFlag) String() string { return f.val }
func (f *onceFlag) Type() string   { return "string" }
