package jwtauth

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"sync"
	"sync/atomic"
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
	// sets and vars back out.Set and out.Vars when they fit, which they
	// do for most configs: one allocation per new token instead of
	// three, and allocation is dear in wasm.
	sets [2]Header
	vars [4]Var
}

// cache holds verified tokens, bounded in entries, evicting the oldest
// insert first.
//
// Entries are found by a hash of the token's last 16 bytes, which are its
// signature, mixed with a per-cache random seed; a hit is only a hit when
// the whole token is equal. A forger can therefore neither share an entry
// nor, not knowing the seed, aim at one; and since only verified tokens
// are put, a colliding token can at most cost another a re-verify. The
// hash is a two-word multiply-mix rather than hash/maphash: in wasm,
// maphash runs its portable byte loop, and every request pays it.
//
// m is the cache; front is a direct-mapped view of it that a hit reads
// without the lock or a map lookup, which in wasm cost more than the
// rest of a hit together. An entry leaves front whenever it leaves m;
// when two entries share a front slot, the older is found in m.
type cache struct {
	mu    sync.Mutex
	seed  [2]uint64
	m     map[uint64]*verified
	ring  []uint64 // insertion order; ring[next] is evicted next
	next  int
	front []atomic.Pointer[verified]
	mask  uint64
}

// maxFront bounds front's slots (8 bytes each) for a very large cache.
const maxFront = 1 << 16

func newCache(size int) *cache {
	if size <= 0 {
		return nil
	}
	n := 1 << bits.Len(uint(min(size, maxFront)-1)) // a power of two >= size
	return &cache{
		seed:  [2]uint64{rand.Uint64(), rand.Uint64()},
		m:     make(map[uint64]*verified, size),
		ring:  make([]uint64, size),
		front: make([]atomic.Pointer[verified], n),
		mask:  uint64(n - 1),
	}
}

func (c *cache) key(token string) uint64 {
	var w0, w1 uint64
	if n := len(token); n >= 16 {
		w0, w1 = le64(token, n-16), le64(token, n-8)
	} else {
		var tail [16]byte
		copy(tail[16-n:], token)
		w0, w1 = binary.LittleEndian.Uint64(tail[:8]), binary.LittleEndian.Uint64(tail[8:])
	}
	// Each word is spread over all 64 bits (the multipliers are odd, so
	// no information is lost) before the next is folded in.
	h := (w0 ^ c.seed[0]) * 0x9e3779b97f4a7c15
	h = (h ^ h>>31 ^ w1 ^ c.seed[1]) * 0xbf58476d1ce4e5b9
	return h ^ h>>29 ^ uint64(len(token))
}

// get returns the entry for token if it is still usable at now (ns).
func (c *cache) get(token string, now int64) *verified {
	if c == nil {
		return nil
	}
	k := c.key(token)
	v := c.front[k&c.mask].Load()
	if v == nil || !sameToken(v.token, token) {
		// Not in front: absent, or it lost its slot to a newer entry.
		c.mu.Lock()
		v = c.m[k]
		c.mu.Unlock()
		if v == nil || !sameToken(v.token, token) {
			return nil
		}
	}
	if now >= v.until {
		c.drop(k, v)
		return nil
	}
	return v
}

// drop removes v, found under k, unless it has already been replaced.
func (c *cache) drop(k uint64, v *verified) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[k] == v {
		delete(c.m, k)
	}
	c.front[k&c.mask].CompareAndSwap(v, nil)
}

func (c *cache) put(v *verified) {
	if c == nil {
		return
	}
	k := c.key(v.token)
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.front[k&c.mask].Store(v)
	if _, ok := c.m[k]; ok {
		// The same token again, or another one with the same tail
		// hash: either way the newer entry wins the slot.
		c.m[k] = v
		return
	}
	// The slot's key may have been dropped and inserted again since;
	// deleting it then only costs that token a re-verify.
	old := c.ring[c.next]
	if e := c.m[old]; e != nil {
		delete(c.m, old)
		c.front[old&c.mask].CompareAndSwap(e, nil)
	}
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
