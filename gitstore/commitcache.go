package gitstore

import (
	"sync"

	"github.com/go-git/go-git/v5/plumbing/object"
)

// commitCache keeps the last few commits a Store decoded. A command
// reads its tip's commit several times (the tree of the snapshot, the
// parent of the commit it writes, the walk that accepts it), and a push
// of 10,000 items writes a commit whose message names each of them: 1 MB
// to inflate and decode each time. Commits are immutable, so a decoded
// one is shared; callers only read it.
type commitCache struct {
	mu    sync.Mutex
	m     map[Hash]*object.Commit
	order []Hash // oldest first
}

// commitCacheSize bounds the cache: a walk of history passes through it
// without growing it.
const commitCacheSize = 4

func (c *commitCache) get(h Hash) (*object.Commit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cm, ok := c.m[h]
	return cm, ok
}

func (c *commitCache) put(h Hash, cm *object.Commit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[Hash]*object.Commit{}
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
