package envfile

import (
	"bytes"
	"errors"
	"slices"
	"sort"
)

// ErrUnmergeable is a file Merge cannot merge line by line (lone CR line
// ends, where lines cannot be matched to the parser's).
var ErrUnmergeable = errors.New("cannot merge this file line by line")

// Merge merges two edits of one dotenv file made from a common base: ours
// (this machine) and theirs (the store). When the keys each side changed
// are disjoint (a key both sides set to the same value counts as agreed),
// the result is theirs with our changed assignments applied line by line:
// a modified key's last assignment is replaced by ours, a removed key's
// assignments are deleted, an added key's lines are appended. Both sides'
// bytes are kept as written. Otherwise it returns the keys in conflict,
// sorted, and no result.
func Merge(base, ours, theirs []byte) (merged []byte, conflicts []string, err error) {
	for _, d := range [][]byte{base, ours, theirs} {
		if bytes.IndexByte(d, '\r') >= 0 && bytes.Count(d, []byte("\r")) != bytes.Count(d, []byte("\r\n")) {
			return nil, nil, ErrUnmergeable
		}
	}
	// Lines are spliced between the files: a last line without its end
	// would join the next one, two assignments on one line (FuzzMerge in
	// scopes found it). Every line gets one.
	base, ours, theirs = endLastLine(base), endLastLine(ours), endLastLine(theirs)
	bf, err := Parse("base", base)
	if err != nil {
		return nil, nil, err
	}
	of, err := Parse("ours", ours)
	if err != nil {
		return nil, nil, err
	}
	tf, err := Parse("theirs", theirs)
	if err != nil {
		return nil, nil, err
	}
	theirChanged := map[string]bool{}
	for _, c := range Diff(bf, tf) {
		theirChanged[c.Key] = true
	}
	ourLast, theirLast := lastEntries(of), lastEntries(tf)
	var mine []Change
	for _, c := range Diff(bf, of) {
		if !theirChanged[c.Key] {
			mine = append(mine, c)
			continue
		}
		oi, oin := ourLast[c.Key]
		ti, tin := theirLast[c.Key]
		if oin != tin || oin && of.Entries[oi].val != tf.Entries[ti].val {
			conflicts = append(conflicts, c.Key)
		}
	}
	if len(conflicts) > 0 {
		sort.Strings(conflicts)
		return nil, conflicts, nil
	}

	lines := splitLines(theirs)
	ourLines := splitLines(ours)
	var edits []lineEdit
	var appended [][]byte
	removed := map[string]bool{}
	for _, c := range mine {
		switch c.Kind {
		case Added:
			e := of.Entries[ourLast[c.Key]]
			appended = append(appended, ourLines[e.Line-1:e.EndLine]...)
		case Modified:
			e, t := of.Entries[ourLast[c.Key]], tf.Entries[theirLast[c.Key]]
			edits = append(edits, lineEdit{from: t.Line - 1, to: t.EndLine, with: ourLines[e.Line-1 : e.EndLine]})
		case Removed:
			removed[c.Key] = true
		}
	}
	for _, t := range tf.Entries {
		if removed[t.Key] {
			edits = append(edits, lineEdit{from: t.Line - 1, to: t.EndLine})
		}
	}
	lines = applyEdits(lines, edits)
	if len(appended) > 0 {
		if n := len(lines); n > 0 && !bytes.HasSuffix(lines[n-1], []byte("\n")) {
			lines[n-1] = append(slices.Clip(lines[n-1]), lineEnding(theirs)...)
		}
		for i, l := range appended {
			if !bytes.HasSuffix(l, []byte("\n")) && i < len(appended)-1 {
				l = append(slices.Clip(l), lineEnding(theirs)...)
			}
			lines = append(lines, l)
		}
	}
	return bytes.Join(lines, nil), nil, nil
}

// splitLines splits after every LF, keeping the line ends; a leading BOM
// stays on the first line.
func splitLines(data []byte) [][]byte {
	if len(data) == 0 {
		return nil
	}
	return bytes.SplitAfter(data, []byte("\n"))[:bytes.Count(data, []byte("\n"))+boolInt(!bytes.HasSuffix(data, []byte("\n")))]
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// endLastLine returns data with a line end after its last line (a copy
// when one is added).
func endLastLine(data []byte) []byte {
	if len(data) == 0 || bytes.HasSuffix(data, []byte("\n")) {
		return data
	}
	return append(slices.Clip(data), lineEnding(data)...)
}

func lineEnding(data []byte) []byte {
	if bytes.Contains(data, []byte("\r\n")) {
		return []byte("\r\n")
	}
	return []byte("\n")
}

// lineEdit replaces lines [from, to) (0-based) of a file with with.
type lineEdit struct {
	from, to int
	with     [][]byte
}

// applyEdits applies edits that do not overlap (each covers its own
// entry's lines) in one pass, in order of position.
func applyEdits(lines [][]byte, edits []lineEdit) [][]byte {
	if len(edits) == 0 {
		return lines
	}
	slices.SortFunc(edits, func(a, b lineEdit) int { return a.from - b.from })
	out := make([][]byte, 0, len(lines))
	pos := 0
	for _, e := range edits {
		out = append(out, lines[pos:e.from]...)
		out = append(out, e.with...)
		pos = e.to
	}
	return append(out, lines[pos:]...)
}

// lastEntries maps each key of f to the index of its last assignment.
func lastEntries(f *File) map[string]int {
	m := make(map[string]int, len(f.Entries))
	for i, e := range f.Entries {
		m[e.Key] = i
	}
	return m
}
