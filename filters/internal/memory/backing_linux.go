package memory

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// memfdBacking keeps an image in a sealed memfd, written only where the
// image is not zero (the rest are holes, which cost nothing and read as
// zero), and maps it copy-on-write into each memory made from it: every
// page the instances only read is one page of the host's memory,
// however many instances there are.
type memfdBacking struct {
	fd    int
	bytes uint64 // written, non-zero bytes
}

// pageRun is the granularity of the zero test: the host's page, the unit
// a copy-on-write mapping shares.
const pageRun = 4096

func newBacking(mem []byte) (backing, error) {
	fd, err := unix.MemfdCreate("gojinn-instance-image", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	b := &memfdBacking{fd: fd}
	if err := b.write(mem); err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	return b, nil
}

func (b *memfdBacking) write(mem []byte) error {
	if err := unix.Ftruncate(b.fd, int64(len(mem))); err != nil {
		return fmt.Errorf("sizing the image: %w", err)
	}
	// Write runs of non-zero pages, one pwrite a run.
	for off := 0; off < len(mem); {
		if isZero(mem[off : off+pageRun]) {
			off += pageRun
			continue
		}
		end := off + pageRun
		for end < len(mem) && !isZero(mem[end:end+pageRun]) {
			end += pageRun
		}
		for w := off; w < end; {
			n, err := unix.Pwrite(b.fd, mem[w:end], int64(w))
			if err != nil {
				return fmt.Errorf("writing the image: %w", err)
			}
			w += n
		}
		b.bytes += uint64(end - off)
		off = end
	}
	// Sealed, so that nothing (a bug, another thread with the fd) can
	// change an image that live instances map.
	seals := unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	if _, err := unix.FcntlInt(uintptr(b.fd), unix.F_ADD_SEALS, seals); err != nil {
		return fmt.Errorf("sealing the image: %w", err)
	}
	return nil
}

// isZero reports whether a page is all zero, a word at a time.
func isZero(p []byte) bool {
	for i := 0; i+8 <= len(p); i += 8 {
		if binary.LittleEndian.Uint64(p[i:]) != 0 {
			return false
		}
	}
	return true
}

// mapInto maps the image over the start of a reservation, privately: the
// instance's writes go to pages of its own, the image never changes.
func (b *memfdBacking) mapInto(base unsafe.Pointer, size uint64) error {
	_, err := unix.MmapPtr(b.fd, 0, base, uintptr(size), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_FIXED)
	if err != nil {
		return fmt.Errorf("mapping a memory image: %w", err)
	}
	return nil
}

// copyInto reads the image into dst: the kernel copies what the memfd
// holds and zeroes its holes.
func (b *memfdBacking) copyInto(dst []byte) error {
	for off := 0; off < len(dst); {
		n, err := unix.Pread(b.fd, dst[off:], int64(off))
		if err != nil {
			return fmt.Errorf("copying a memory image: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("copying a memory image: %d of its %d bytes", off, len(dst))
		}
		off += n
	}
	return nil
}

func (b *memfdBacking) resident() uint64 { return b.bytes }

func (b *memfdBacking) close() error { return unix.Close(b.fd) }

// adviseHugePages asks for transparent huge pages over buf. Advice only:
// where they are off, the pages are the usual ones.
func adviseHugePages(buf []byte) { _ = unix.Madvise(buf, unix.MADV_HUGEPAGE) }
