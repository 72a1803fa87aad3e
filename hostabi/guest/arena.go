package guest

import "unsafe"

// stringArena hands out the strings the SDK returns (header values,
// variables, the URI) from blocks it allocates a few kilobytes at a
// time: the host copies a value straight into the free end of the
// current block, and the string is a view of the bytes it wrote. A
// string costs no allocation and no copy of its own, where string(b)
// would cost both; in wasm the allocation, with the collections it
// brings on, was half of the SDK's cost of reading a header (see
// docs/ARCHITECTURE.md, "Guests: what costs in wasm").
//
// Bytes handed out are never written again, so the strings are as
// immutable as any. The price is retention: a string kept past the
// request keeps its whole block alive (at most stringBlock bytes), as a
// substring keeps the string it was cut from.
type stringArena struct {
	block []byte
	used  int
}

// stringBlock is the size of a block. A value longer than that gets a
// block of its own size.
const stringBlock = 4 << 10

// free is the unused end of the current block, for the host to write
// into. It is empty before the first block.
func (a *stringArena) free() []byte { return a.block[a.used:] }

// room makes free at least n bytes long, starting a new block (the old
// one stays alive as long as strings point into it).
func (a *stringArena) room(n int) {
	if len(a.block)-a.used >= n {
		return
	}
	a.block = make([]byte, max(n, stringBlock))
	a.used = 0
}

// take hands out the first n bytes of free as a string.
func (a *stringArena) take(n int) string {
	if n == 0 {
		return ""
	}
	s := unsafe.String(&a.block[a.used], n)
	a.used += n
	return s
}

// firstLen is the length of the first element of a NUL-separated list.
func firstLen(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
}
