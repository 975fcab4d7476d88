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
// removed keys in the order of old. Unchanged keys are left out.
func Diff(old, new *File) []Change {
	var changes []Change
	if new != nil {
		for _, k := range new.Keys() {
			nv, _ := new.Lookup(k)
			if old == nil {
				changes = append(changes, Change{Key: k, Kind: Added, New: nv})
				continue
			}
			ov, ok := old.Lookup(k)
			switch {
			case !ok:
				changes = append(changes, Change{Key: k, Kind: Added, New: nv})
			case ov != nv:
				changes = append(changes, Change{Key: k, Kind: Modified, Old: ov, New: nv})
			}
		}
	}
	if old != nil {
		for _, k := range old.Keys() {
			if new != nil {
				if _, ok := new.Lookup(k); ok {
					continue
				}
			}
			ov, _ := old.Lookup(k)
			changes = append(changes, Change{Key: k, Kind: Removed, Old: ov})
		}
	}
	return changes
}
