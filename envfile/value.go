package envfile

import (
	"fmt"
	"io"
)

// redacted is what every printed form of a Value shows.
const redacted = "[redacted]"

// Value is a secret string that redacts itself: String, GoString, every
// fmt verb, MarshalJSON and MarshalText all give "[redacted]". Only
// Reveal returns the text. The zero Value is the empty string.
type Value struct {
	s string
}

// NewValue wraps s as a Value.
func NewValue(s string) Value { return Value{s: s} }

// Reveal returns the secret text.
func (v Value) Reveal() string { return v.s }

// Len returns the length of the secret text in bytes.
func (v Value) Len() int { return len(v.s) }

// String returns "[redacted]".
func (v Value) String() string { return redacted }

// GoString returns "[redacted]".
func (v Value) GoString() string { return redacted }

// Format writes "[redacted]" whatever the verb and flags.
func (v Value) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// MarshalJSON returns the JSON string "[redacted]".
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns "[redacted]".
func (v Value) MarshalText() ([]byte, error) { return []byte(redacted), nil }
