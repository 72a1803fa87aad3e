package jwtauth

import (
	"hash/maphash"
	"sync"
)

// verified is what a token's first full check left for the next time it
// is seen: the times to re-check and the outputs, ready to apply.
type verified struct {
	token string
	// until is the Unix time (ns) after which the entry must not be
	// used: the token's exp plus leeway, or cache_ttl after it was
	// verified, whichever comes first, so a key removed from the set
	// stops being honoured within cache_ttl.
	until    int64
	nbf, iat float64
	hasNbf   bool
	hasIat   bool
	out      Decision
}

// cache holds verified tokens, bounded in entries, evicting the oldest
// insert first.
//
// Entries are found by a keyed hash (hash/maphash, seeded at random per
// cache) of the token's last bytes, which are its signature, and a hit
// is only a hit when the whole token is equal: a forger can neither aim
// at an entry nor share one. Hashing the tail rather than the whole token
// matters in wasm, where every pass over a kilobyte of token shows.
type cache struct {
	mu   sync.Mutex
	seed maphash.Seed
	m    map[uint64]*verified
	ring []uint64 // insertion order; ring[next] is evicted next
	next int
}

// keyBytes is how much of the token's tail is hashed: enough of any
// signature (32 bytes of HS256 are 43 characters) to spread the entries.
const keyBytes = 48

func newCache(size int) *cache {
	if size <= 0 {
		return nil
	}
	return &cache{seed: maphash.MakeSeed(), m: make(map[uint64]*verified, size), ring: make([]uint64, size)}
}

func (c *cache) key(token string) uint64 {
	return maphash.String(c.seed, token[max(0, len(token)-keyBytes):])
}

// get returns the entry for token if it is still usable at now (ns).
func (c *cache) get(token string, now int64) *verified {
	if c == nil {
		return nil
	}
	k := c.key(token)
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.m[k]
	if v == nil || !sameToken(v.token, token) {
		return nil
	}
	if now >= v.until {
		delete(c.m, k)
		return nil
	}
	return v
}

func (c *cache) put(v *verified) {
	if c == nil {
		return
	}
	k := c.key(v.token)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		// The same token again, or another one with the same tail
		// hash: either way the newer entry wins the slot.
		c.m[k] = v
		return
	}
	// The slot's key may have been dropped and inserted again since;
	// deleting it then only costs that token a re-verify.
	delete(c.m, c.ring[c.next])
	c.ring[c.next] = k
	c.next = (c.next + 1) % len(c.ring)
	c.m[k] = v
}

func (c *cache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
