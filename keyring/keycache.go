package keyring

import (
	"crypto/sha256"
	"sync"
)

// A command reads the same member keys several times: the state at the
// tip, the state it was accepted from, the new state it commits and
// checks. readKeys keeps, for this process, each public key read by
// the SHA-256 of the bytes it was read from: the same bytes give the
// same key, checked once; other bytes (a changed key file) are read and
// checked anew. Only public keys are kept (never a key read from a
// secret key's file), and never a refusal. A PublicKey is immutable and
// safe to share.
var readKeys = keyCache{max: 4096}

type keyCache struct {
	mu  sync.Mutex
	m   map[[sha256.Size]byte]*PublicKey
	max int // entries, then it starts over
}

func (c *keyCache) get(data []byte) *PublicKey {
	sum := sha256.Sum256(data)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[sum]
}

func (c *keyCache) put(data []byte, p *PublicKey) {
	sum := sha256.Sum256(data)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = map[[sha256.Size]byte]*PublicKey{}
	}
	c.m[sum] = p
}

// ReadAcceptedPublicKey reads a public key from bytes [ReadPublicKey]
// accepted before: a member's key file in a state of the store this
// machine has verified (the files are content-addressed, so these are
// the bytes it checked then). It parses them and does not check them
// again. A command reads every member's key and uses one or two, and
// go-crypto checks the self-signatures of a key when it uses it (to
// verify a signature, or encrypt), with their flags and times; only
// the checks [ReadPublicKey] adds on top of go-crypto's (versions,
// algorithms, a usable signing and encryption key) are not repeated,
// and they depend on the bytes alone. Bytes that hold a secret key are
// read as ReadPublicKey reads them.
func ReadAcceptedPublicKey(data []byte) (*PublicKey, error) {
	if p := readKeys.get(data); p != nil {
		return p, nil
	}
	e, err := readEntity(data)
	if err != nil {
		return nil, err
	}
	if hasSecret(e) {
		return ReadPublicKey(data)
	}
	return &PublicKey{entity: e, ids: keyIDs(e)}, nil
}
