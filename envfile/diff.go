package envfile

// ChangeKind says how a key changed between two versions of a file.
type ChangeKind int

const (
	// Added: the key is only in the new version.
	Added ChangeKind = iota
	// Removed: the key is only in the old version.
	Removed
	// Modified: the key is in both, with different values.
	Modified
)

// String returns "added", "removed" or "modified".
func (k ChangeKind) String() string {
	switch k {
	case Added:
		return "added"
	case Removed:
		return "removed"
	case Modified:
		return "modified"
	}
	return "unknown"
}

// Change is the change of one key. Old is zero for Added, New for Removed.
type Change struct {
	Key      string
	Kind     ChangeKind
	Old, New Value
}

// Diff compares two parsed versions of a file by key, on raw (unexpanded)
// values of the last assignment of each key. Either may be nil (file
// absent). The changes come in the order of the keys of new, then the
// removed keys in the order of old. Unchanged keys are left out. It takes
// time linear in the number of entries (one map per side).
func Diff(old, new *File) []Change {
	ov, nv := lastValues(old), lastValues(new)
	var changes []Change
	for _, k := range keysOf(new) {
		n := nv[k]
		o, ok := ov[k]
		switch {
		case !ok:
			changes = append(changes, Change{Key: k, Kind: Added, New: n})
		case o != n:
			changes = append(changes, Change{Key: k, Kind: Modified, Old: o, New: n})
		}
	}
	for _, k := range keysOf(old) {
		if _, ok := nv[k]; !ok {
			changes = append(changes, Change{Key: k, Kind: Removed, Old: ov[k]})
		}
	}
	return changes
}

// lastValues maps each key of f to the value of its last assignment (nil
// for a nil f).
func lastValues(f *File) map[string]Value {
	if f == nil {
		return nil
	}
	m := make(map[string]Value, len(f.Entries))
	for _, e := range f.Entries {
		m[e.Key] = e.Value()
	}
	return m
}

func keysOf(f *File) []string {
	if f == nil {
		return nil
	}
	return f.Keys()
}
