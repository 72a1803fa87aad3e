//go:build !linux

package memory

import "unsafe"

// copyBacking keeps an image as bytes, copied into each memory made from
// it: without memfd there is no cheap way to share the pages, but a
// restored instance still skips its runtime's start-up.
type copyBacking struct{ b []byte }

func newBacking(mem []byte) (backing, error) {
	return &copyBacking{b: append([]byte(nil), mem...)}, nil
}

func (c *copyBacking) mapInto(base unsafe.Pointer, size uint64) error {
	copy(unsafe.Slice((*byte)(base), size), c.b)
	return nil
}

func (c *copyBacking) copyInto(dst []byte) error {
	copy(dst, c.b)
	return nil
}

func (c *copyBacking) resident() uint64 { return uint64(len(c.b)) }

func (c *copyBacking) close() error { return nil }

// adviseHugePages does nothing: transparent huge pages are Linux's.
func adviseHugePages([]byte) {}
