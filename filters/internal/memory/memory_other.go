//go:build !unix

package memory

import "fmt"

// newMemory, without mmap, keeps the memory in the Go heap and grows it
// by copying, as wazero itself does. Every memory is a copy: single use
// changes nothing.
func newMemory(reserve, limit uint64, img *Image, _ bool) (*Memory, error) {
	m := &Memory{limit: limit}
	if img != nil {
		if img.size > reserve {
			return nil, fmt.Errorf("a memory image of %d bytes does not fit in %d", img.size, reserve)
		}
		m.buf = make([]byte, img.size, reserve)
		if err := img.backing.copyInto(m.buf); err != nil {
			return nil, err
		}
	}
	m.grow = func(size uint64) bool {
		if size > reserve {
			return false
		}
		if size > uint64(cap(m.buf)) {
			nb := make([]byte, size, min(reserve, 2*size))
			copy(nb, m.buf)
			m.buf = nb
		}
		m.buf = m.buf[:size]
		return true
	}
	return m, nil
}
