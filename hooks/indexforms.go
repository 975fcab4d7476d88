package hooks

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
)

// Indexable reports whether a value of a tracked item is worth indexing on
// its own: at least minLength bytes (never less than 8; 0 means
// config.DefaultMinLength) and not trivial.
// Trivial values are all digits; true, false, yes, no, on, off, null, none;
// localhost, 127.0.0.1, 0.0.0.0; a value made of one repeated character;
// and a plain http(s) URL (no user information, no query, no long path
// segment that could be a token). A URL with a password is indexable, and
// its password is indexed on its own too.
func Indexable(value string, minLength int) bool {
	if minLength <= 0 {
		minLength = config.DefaultMinLength
	}
	minLength = max(minLength, window)
	if len(value) < minLength {
		return false
	}
	switch strings.ToLower(value) {
	case "true", "false", "yes", "no", "on", "off", "null", "none", "localhost", "127.0.0.1", "0.0.0.0":
		return false
	}
	if strings.Trim(value, "0123456789") == "" || strings.Trim(value, value[:1]) == "" {
		return false
	}
	return !plainURL(value)
}

func plainURL(v string) bool {
	lower := strings.ToLower(v)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return false
	}
	u, err := url.Parse(v)
	if err != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Host == "" {
		return false
	}
	for seg := range strings.SplitSeq(u.EscapedPath(), "/") {
		if len(seg) >= 20 {
			return false
		}
	}
	return true
}

// indexForms returns the distinct strings to index for one value: the
// value, the password of a URL with user information, the lines of a
// multi-line value, and for each of those their base64 (standard and URL
// alphabet; the unpadded form also matches the padded one), JSON-escaped
// and URL-escaped forms.
func indexForms(value string, minLength int) []string {
	var bases []string
	if Indexable(value, minLength) {
		bases = append(bases, value)
	}
	if u, err := url.Parse(value); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			bases = append(bases, pw)
			if raw := rawPassword(value); raw != pw {
				bases = append(bases, raw)
			}
		}
	}
	if strings.Contains(value, "\n") {
		for line := range strings.SplitSeq(value, "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "-----") {
				bases = append(bases, line)
			}
		}
	}
	var out []string
	add := func(s string) {
		if len(s) >= window && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, b := range bases {
		if !Indexable(b, minLength) {
			continue
		}
		add(b)
		add(base64.RawStdEncoding.EncodeToString([]byte(b)))
		add(base64.RawURLEncoding.EncodeToString([]byte(b)))
		add(jsonEscape(b))
		add(url.QueryEscape(b))
		add(url.PathEscape(b))
	}
	return out
}

// rawPassword returns the password of a URL as written (still escaped).
func rawPassword(v string) string {
	_, rest, ok := strings.Cut(v, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pw, _ := strings.Cut(rest[:at], ":")
	return pw
}

func jsonEscape(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) != nil {
		return ""
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// EnvSecrets returns the secrets of a parsed dotenv item, ready for
// Replace: every key's value as written (unexpanded) and, when expansion
// among the file's own keys changes it, the expanded value too. The
// process environment is not consulted.
func EnvSecrets(f *envfile.File) []Secret {
	var out []Secret
	raw := envfile.Resolve([]*envfile.File{f}, false, nil)
	// Without a '$' nothing expands: most files, resolved once then (a
	// pull refreshes the index for every item it restores).
	expanded := raw
	if slices.ContainsFunc(raw, func(v envfile.Var) bool { return strings.Contains(v.Value.Reveal(), "$") }) {
		expanded = envfile.Resolve([]*envfile.File{f}, true, nil)
	}
	for i, v := range raw {
		out = append(out, Secret{Key: v.Key, Value: v.Value.Reveal()})
		if i < len(expanded) && expanded[i].Key == v.Key && expanded[i].Value.Reveal() != v.Value.Reveal() {
			out = append(out, Secret{Key: v.Key, Value: expanded[i].Value.Reveal()})
		}
	}
	return out
}
