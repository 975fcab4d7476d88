package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"unicode/utf16"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdRecode: recode ENCODING IN OUT — writes the UTF-8 text of IN to OUT
// as a program or editor might save it: utf16le, utf16be (no byte order
// mark), utf16le-bom, utf16be-bom, utf8-bom, or nul (lines separated by
// NUL bytes, as in /proc/PID/environ).
func cmdRecode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: recode ENCODING IN OUT")
	}
	in, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	wide := func(order binary.AppendByteOrder, bom bool) []byte {
		var out []byte
		if bom {
			out = order.AppendUint16(out, 0xfeff)
		}
		for _, u := range utf16.Encode([]rune(string(in))) {
			out = order.AppendUint16(out, u)
		}
		return out
	}
	var out []byte
	switch args[0] {
	case "utf16le":
		out = wide(binary.LittleEndian, false)
	case "utf16be":
		out = wide(binary.BigEndian, false)
	case "utf16le-bom":
		out = wide(binary.LittleEndian, true)
	case "utf16be-bom":
		out = wide(binary.BigEndian, true)
	case "utf8-bom":
		out = append([]byte("\ufeff"), in...)
	case "nul":
		out = bytes.ReplaceAll(in, []byte("\n"), []byte{0})
	default:
		ts.Fatalf("recode: unknown encoding %q", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), out, 0o644))
}
