package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdJSONPath is the script command `jsonpath PATH WANT`: the last
// command's stdout must be one JSON document (nothing after it) whose
// value at PATH prints as WANT. PATH is dot-separated names and [i]
// indices (`environments[0].name`); a len: prefix asks for the length
// of the list or object there (`len:environments`). Decoded with encoding/json
// into plain maps and lists, independently of the encoder's types.
func cmdJSONPath(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsonpath PATH WANT")
	}
	dec := json.NewDecoder(strings.NewReader(ts.ReadFile("stdout")))
	var doc any
	if err := dec.Decode(&doc); err != nil {
		ts.Fatalf("stdout is not JSON: %v", err)
	}
	if dec.More() {
		ts.Fatalf("stdout holds more than one JSON document")
	}
	got, err := jsonAt(doc, args[0])
	if err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	if (got == args[1]) == neg {
		ts.Fatalf("%s is %q, want %s%q", args[0], got, map[bool]string{true: "not ", false: ""}[neg], args[1])
	}
}

func jsonAt(v any, path string) (string, error) {
	path, length := strings.CutPrefix(path, "len:")
	for _, seg := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		if name != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return "", fmt.Errorf("%s: not an object", name)
			}
			if v, ok = m[name]; !ok {
				return "", fmt.Errorf("no field %q", name)
			}
		}
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			i, err := strconv.Atoi(idx)
			if err != nil {
				return "", err
			}
			list, ok := v.([]any)
			if !ok || i >= len(list) {
				return "", fmt.Errorf("[%d]: not a list that long", i)
			}
			v, rest = list[i], strings.TrimPrefix(after, "[")
		}
	}
	if length {
		switch t := v.(type) {
		case []any:
			return strconv.Itoa(len(t)), nil
		case map[string]any:
			return strconv.Itoa(len(t)), nil
		}
		return "", fmt.Errorf("not a list or object")
	}
	if v == nil {
		return "null", nil
	}
	return fmt.Sprint(v), nil
}
