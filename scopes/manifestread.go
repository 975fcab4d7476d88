package scopes

import (
	"strings"

	"github.com/configsync/configsync/config"
)

// manifestReader decodes the versions of the team manifest met along a
// walk of history. A team that grew to n members one at a time has n
// versions of up to n members: decoding each whole is n² member tables of
// TOML, the cost of team remove at 1,000 members. Consecutive versions
// share most member tables word for word, so a version written the way
// our encoder writes it is cut at its member tables and each distinct
// table is decoded once. Anything else is decoded whole, as before.
type manifestReader struct {
	members map[string]*Member // by the text of its table, "\n[[member]]\n…"
}

func newManifestReader() *manifestReader {
	return &manifestReader{members: map[string]*Member{}}
}

const (
	memberTable = "\n[[member]]\n"
	envTable    = "\n[[environment]]\n"
)

// decode decodes one version of members.toml, as config.Unmarshal would,
// and gives its members also as shared: the same *Member for the same
// table in every version (read only), so that n versions of n members
// keep one copy of each.
func (r *manifestReader) decode(data []byte) (manifest, []*Member, error) {
	if m, shared, ok := r.decodePieces(string(data)); ok {
		return m, shared, nil
	}
	var m manifest
	if err := config.Unmarshal(membersPath, data, &m); err != nil {
		return manifest{}, nil, err
	}
	shared := make([]*Member, len(m.Members))
	for i := range m.Members {
		shared[i] = &m.Members[i]
	}
	return m, shared, nil
}

// decodePieces decodes s as its head (serial, previous), member tables
// and tail (the environment tables), when every piece is exactly what
// config.Marshal writes for it: then s is what config.Marshal writes for
// the whole manifest, which decodes to the pieces put together. ok is
// false for any other text.
func (r *manifestReader) decodePieces(s string) (manifest, []*Member, bool) {
	first := strings.Index(s, "\n"+memberTable)
	if first < 0 {
		return manifest{}, nil, false
	}
	head, body, tail := s[:first+1], s[first+1:], ""
	if i := strings.Index(body, "\n"+envTable); i >= 0 {
		body, tail = body[:i+1], body[i+1:]
	}
	var m manifest
	if !canonicalManifest(head+tail, &m) || m.Members != nil {
		return manifest{}, nil, false
	}
	n := strings.Count(body, memberTable)
	m.Members = make([]Member, 0, n)
	shared := make([]*Member, 0, n)
	for body != "" {
		piece := body
		if i := strings.Index(body[len(memberTable):], "\n"+memberTable); i >= 0 {
			piece = body[:len(memberTable)+i+1]
		}
		body = body[len(piece):]
		mem, ok := r.members[piece]
		if !ok {
			one, ok := decodeMemberTable(piece)
			if !ok {
				return manifest{}, nil, false
			}
			mem = &one
			r.members[strings.Clone(piece)] = mem // not a slice of this version's text
		}
		m.Members, shared = append(m.Members, *mem), append(shared, mem)
	}
	return m, shared, true
}

// decodeMemberTable decodes one "\n[[member]]\n…" table when it is in the
// form config.Marshal writes.
func decodeMemberTable(piece string) (Member, bool) {
	var one manifest
	if !canonicalManifest("serial = 0\n"+piece, &one) || len(one.Members) != 1 ||
		one.Serial != 0 || one.Previous != "" || one.Environments != nil {
		return Member{}, false
	}
	return one.Members[0], true
}

// canonicalManifest decodes text into m and reports whether it decoded
// and config.Marshal writes m back as text, byte for byte.
func canonicalManifest(text string, m *manifest) bool {
	if config.Unmarshal(membersPath, []byte(text), m) != nil {
		return false
	}
	out, err := config.Marshal(*m)
	return err == nil && string(out) == text
}
