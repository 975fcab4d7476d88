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
		if bytes.ContainsFunc(d, func(r rune) bool { return r == '\r' }) && bytes.Count(d, []byte("\r")) != bytes.Count(d, []byte("\r\n")) {
			return nil, nil, ErrUnmergeable
		}
	}
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
	var mine []Change
	for _, c := range Diff(bf, of) {
		if !theirChanged[c.Key] {
			mine = append(mine, c)
			continue
		}
		ov, oin := of.Lookup(c.Key)
		tv, tin := tf.Lookup(c.Key)
		if oin != tin || ov.Reveal() != tv.Reveal() {
			conflicts = append(conflicts, c.Key)
		}
	}
	if len(conflicts) > 0 {
		sort.Strings(conflicts)
		return nil, conflicts, nil
	}

	lines := splitLines(theirs)
	ourLines := splitLines(ours)
	type edit struct {
		from, to int // 0-based, half-open, in lines of theirs
		with     [][]byte
	}
	var edits []edit
	var appended [][]byte
	for _, c := range mine {
		switch c.Kind {
		case Added:
			e := lastEntry(of, c.Key)
			appended = append(appended, ourLines[e.Line-1:e.EndLine]...)
		case Modified:
			e, t := lastEntry(of, c.Key), lastEntry(tf, c.Key)
			edits = append(edits, edit{from: t.Line - 1, to: t.EndLine, with: ourLines[e.Line-1 : e.EndLine]})
		case Removed:
			for _, t := range tf.Entries {
				if t.Key == c.Key {
					edits = append(edits, edit{from: t.Line - 1, to: t.EndLine})
				}
			}
		}
	}
	slices.SortFunc(edits, func(a, b edit) int { return b.from - a.from })
	for _, e := range edits {
		lines = slices.Replace(lines, e.from, e.to, e.with...)
	}
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

func lineEnding(data []byte) []byte {
	if bytes.Contains(data, []byte("\r\n")) {
		return []byte("\r\n")
	}
	return []byte("\n")
}

func lastEntry(f *File, key string) Entry {
	for i := len(f.Entries) - 1; i >= 0; i-- {
		if f.Entries[i].Key == key {
			return f.Entries[i]
		}
	}
	return Entry{}
}
