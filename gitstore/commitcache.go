package gitstore

import (
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// commitInfo is what the store reads of a commit. go-git's Commit keeps
// the encoded object it was decoded from, and the commit of a push of
// 10,000 items has a 4 MB message: 8 MB or more held per such commit
// cached, twice during that push (its parent and itself). The cache
// keeps no message larger than maxCachedMessage (dropped is set): only
// Log reads messages, and it decodes such a commit again.
type commitInfo struct {
	Hash         plumbing.Hash
	TreeHash     plumbing.Hash
	ParentHashes []plumbing.Hash
	Author       object.Signature
	Message      string
	dropped      bool
}

const maxCachedMessage = 64 << 10

func infoOf(c *object.Commit) *commitInfo {
	return &commitInfo{Hash: c.Hash, TreeHash: c.TreeHash, ParentHashes: c.ParentHashes, Author: c.Author, Message: c.Message}
}

// cachedCopy is c as the cache keeps it.
func (c *commitInfo) cachedCopy() *commitInfo {
	if len(c.Message) <= maxCachedMessage {
		return c
	}
	cc := *c
	cc.Message, cc.dropped = "", true
	return &cc
}

// commitCache keeps the last few commits a Store decoded. A command
// reads its tip's commit several times (the tree of the snapshot, the
// parent of the commit it writes, the walk that accepts it), and a push
// of 10,000 items writes a commit whose message names each of them: 1 MB
// to inflate and decode each time. Commits are immutable, so a decoded
// one is shared; callers only read it.
type commitCache struct {
	mu    sync.Mutex
	m     map[Hash]*commitInfo
	order []Hash // oldest first
}

// commitCacheSize bounds the cache: a walk of history passes through it
// without growing it.
const commitCacheSize = 4

func (c *commitCache) get(h Hash) (*commitInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cm, ok := c.m[h]
	return cm, ok
}

func (c *commitCache) put(h Hash, cm *commitInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[Hash]*commitInfo{}
	}
	if _, ok := c.m[h]; ok {
		return
	}
	if len(c.order) == commitCacheSize {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[h] = cm
	c.order = append(c.order, h)
}
