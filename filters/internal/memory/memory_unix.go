//go:build unix

package memory

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// newMemory reserves reserve bytes of address space, outside the Go heap,
// that the kernel commits page by page as the guest touches them (and
// that count against no overcommit limit until then: MAP_NORESERVE), and
// starts it as img when img is not nil: mapped copy-on-write, or, for a
// single-use memory, copied into a reservation advised for huge pages.
func newMemory(reserve, limit uint64, img *Image, singleUse bool) (*Memory, error) {
	m := &Memory{limit: limit}
	if reserve == 0 {
		return m, nil
	}
	if img != nil && img.size > reserve {
		return nil, fmt.Errorf("a memory image of %d bytes does not fit in %d", img.size, reserve)
	}
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(reserve), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("reserving %d bytes of memory: %w", reserve, err)
	}
	buf := unsafe.Slice((*byte)(p), reserve)
	if singleUse {
		adviseHugePages(buf)
	}
	if img != nil && img.size > 0 {
		var err error
		if singleUse {
			err = img.backing.copyInto(buf[:img.size])
		} else {
			err = img.backing.(mapper).mapInto(p, img.size)
		}
		if err != nil {
			_ = unix.MunmapPtr(p, uintptr(reserve))
			return nil, err
		}
	}
	m.buf = buf
	m.free = func() { _ = unix.MunmapPtr(p, uintptr(reserve)) }
	return m, nil
}

// mapper is a backing that can start a reserved memory as its image.
type mapper interface {
	mapInto(base unsafe.Pointer, size uint64) error
}
