package keyring

import (
	"slices"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// messageRing is the key ring a message is read with (go-crypto's
// KeyRing): the public keys that may have signed it, by the ids of
// their keys that may sign, then the private keys that may decrypt it,
// by all their ids, each id found in one map lookup.
//
// go-crypto looks up every recipient of a message in its ring, and
// checks the self-signatures of each key it finds there
// (Entity.DecryptionKeys). An environment key is wrapped for every
// member holding its tier, and the signers allowed are those members:
// in an EntityList, a linear scan each, every command found and
// checked the whole team's keys, though a public key cannot decrypt.
// Leaving out the subkeys of a signer that may only encrypt leaves it
// out of those lookups, and nothing else: go-crypto checks the key that
// made a signature, when it verifies the signature, with its flags.
type messageRing struct {
	byID map[uint64][]*openpgp.Entity
	all  []*openpgp.Entity // for id 0, which names every key
}

func newMessageRing(signers []*PublicKey, keys []*PrivateKey) *messageRing {
	r := &messageRing{byID: make(map[uint64][]*openpgp.Entity, 2*(len(signers)+len(keys)))}
	// Signers first: a signature is attributed to the first entity with
	// the issuer's key id, and it must be checked against the allow-list.
	for _, s := range signers {
		if s != nil {
			r.addEntity(s.entity, true)
		}
	}
	for _, k := range keys {
		if k != nil {
			r.addEntity(k.entity, false)
		}
	}
	return r
}

// addEntity indexes e by the ids of its primary key and subkeys; a
// signer's subkeys only if they may sign.
func (r *messageRing) addEntity(e *openpgp.Entity, signer bool) {
	r.all = append(r.all, e)
	r.add(e, e.PrimaryKey.KeyId)
	for _, sk := range e.Subkeys {
		if !signer || maySign(sk.Bindings) {
			r.add(e, sk.PublicKey.KeyId)
		}
	}
}

func (r *messageRing) add(e *openpgp.Entity, id uint64) {
	if !slices.Contains(r.byID[id], e) {
		r.byID[id] = append(r.byID[id], e)
	}
}

// maySign reports whether a subkey may sign by one of its binding
// signatures, read unchecked (go-crypto checks the one it uses): one
// that states no key flags, or the signing flag.
func maySign(bindings []*packet.VerifiableSignature) bool {
	for _, b := range bindings {
		if b == nil || b.Packet == nil || !b.Packet.FlagsValid || b.Packet.FlagSign {
			return true
		}
	}
	return false
}

// EntitiesById implements openpgp.KeyRing.
func (r *messageRing) EntitiesById(id uint64) []*openpgp.Entity {
	if id == 0 {
		return r.all
	}
	return r.byID[id]
}

// KeysById implements openpgp.KeyRing, as EntityList does, unchecked.
func (r *messageRing) KeysById(id uint64) []openpgp.Key {
	var keys []openpgp.Key
	for _, e := range r.EntitiesById(id) {
		if id == 0 || e.PrimaryKey.KeyId == id {
			keys = append(keys, openpgp.Key{Entity: e, PublicKey: e.PrimaryKey, PrivateKey: e.PrivateKey})
		}
		for _, sk := range e.Subkeys {
			if id == 0 || sk.PublicKey.KeyId == id {
				keys = append(keys, openpgp.Key{Entity: e, PublicKey: sk.PublicKey, PrivateKey: sk.PrivateKey})
			}
		}
	}
	return keys
}
