package envfile

import "strings"

// Var is one variable after merging and expansion.
type Var struct {
	Key   string
	Value Value
}

// Resolve merges files in order: a later assignment wins and the key keeps
// the position of its first appearance. When expand is true, unquoted and
// double-quoted values are expanded (grammar rule 12): names are looked up
// among the keys assigned earlier (in this file or an earlier one), then
// with lookup (the process environment, passed in; nil means none); an
// undefined name is empty. With expand false the values are the raw,
// unexpanded ones. Nil files are skipped.
func Resolve(files []*File, expand bool, lookup func(string) (string, bool)) []Var {
	var vars []Var
	pos := make(map[string]int)
	vals := make(map[string]string)
	get := func(name string) (string, bool) {
		if v, ok := vals[name]; ok {
			return v, true
		}
		if lookup != nil {
			return lookup(name)
		}
		return "", false
	}
	for _, f := range files {
		if f == nil {
			continue
		}
		for _, e := range f.Entries {
			v := e.val
			if expand && e.expand {
				v = expandValue(e.val, e.lit, get)
			}
			vals[e.Key] = v
			if i, ok := pos[e.Key]; ok {
				vars[i].Value = NewValue(v)
				continue
			}
			pos[e.Key] = len(vars)
			vars = append(vars, Var{Key: e.Key, Value: NewValue(v)})
		}
	}
	return vars
}

func isNameStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func isNameChar(c byte) bool { return isNameStart(c) || c >= '0' && c <= '9' }

// expander expands one value. Offsets index the whole value, so that the
// brace matching is computed once and expansion stays linear.
type expander struct {
	s     string
	lit   []bool      // lit[i]: s[i] is a '$' written as \$
	match map[int]int // offset of the '{' of "${" → offset of its '}'
	get   func(string) (string, bool)
}

// expandValue expands s; lit marks the '$' bytes that were escaped and stay
// literal.
func expandValue(s string, lit []bool, get func(string) (string, bool)) string {
	if strings.IndexByte(s, '$') < 0 {
		return s
	}
	x := &expander{s: s, lit: lit, match: make(map[int]int), get: get}
	var open []int
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '{' && s[i-1] == '$' && !isLit(lit, i-1):
			open = append(open, i)
		case s[i] == '}' && len(open) > 0:
			x.match[open[len(open)-1]] = i
			open = open[:len(open)-1]
		}
	}
	var b strings.Builder
	x.expand(&b, 0, len(s))
	return b.String()
}

// expand writes the expansion of s[from:to] to b.
func (x *expander) expand(b *strings.Builder, from, to int) {
	s := x.s
	for i := from; i < to; i++ {
		if s[i] != '$' || isLit(x.lit, i) || i+1 == to {
			b.WriteByte(s[i])
			continue
		}
		if isNameStart(s[i+1]) {
			j := i + 1
			for j < to && isNameChar(s[j]) {
				j++
			}
			v, _ := x.get(s[i+1 : j])
			b.WriteString(v)
			i = j - 1
			continue
		}
		if s[i+1] == '{' {
			if end, ok := x.braced(b, i, to); ok {
				i = end
				continue
			}
		}
		b.WriteByte('$')
	}
}

// braced expands the ${...} form starting at s[i] == '$' into b and returns
// the offset of its closing brace. It returns false, writing nothing, when
// the form is malformed (then the text stays as written).
func (x *expander) braced(b *strings.Builder, i, to int) (int, bool) {
	s := x.s
	end, ok := x.match[i+1]
	if !ok || end >= to {
		return 0, false
	}
	j := i + 2
	if !isNameStart(s[j]) {
		return 0, false
	}
	for isNameChar(s[j]) {
		j++
	}
	v, set := x.get(s[i+2 : j])
	if j == end {
		b.WriteString(v)
		return end, true
	}
	op := s[j : j+1]
	if s[j] == ':' {
		op = s[j : j+2]
	}
	w := j + len(op)
	useWord := false
	switch op {
	case ":-":
		useWord = v == ""
	case "-":
		useWord = !set
	case ":+":
		useWord, v = v != "", ""
	case "+":
		useWord, v = set, ""
	default:
		return 0, false
	}
	if useWord {
		x.expand(b, w, end)
	} else {
		b.WriteString(v)
	}
	return end, true
}
