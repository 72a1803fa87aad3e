package memory

import (
	"errors"
	"fmt"
)

// Image is a snapshot of a linear memory: what instances restored from it
// start with. It is immutable and safe for concurrent use; Close it when
// no instance will be restored from it any more (instances already made
// keep their pages).
type Image struct {
	size    uint64
	backing backing
}

// NewImage captures mem, a linear memory's bytes (a whole number of
// pages).
func NewImage(mem []byte) (*Image, error) {
	if len(mem)%PageSize != 0 {
		return nil, fmt.Errorf("memory image of %d bytes is not whole wasm pages", len(mem))
	}
	b, err := newBacking(mem)
	if err != nil {
		return nil, fmt.Errorf("keeping a memory image: %w", err)
	}
	return &Image{size: uint64(len(mem)), backing: b}, nil
}

// Size is the memory's length in bytes.
func (img *Image) Size() uint64 { return img.size }

// Resident is how many bytes of the image the host holds: its non-zero
// pages (zero pages are holes in a memfd); 0 once it is closed, so that
// the stats of a closed filter can still be read.
func (img *Image) Resident() uint64 {
	if img.backing == nil {
		return 0
	}
	return img.backing.resident()
}

// Close releases the image.
func (img *Image) Close() error {
	if img == nil || img.backing == nil {
		return errors.New("memory image closed twice")
	}
	err := img.backing.close()
	img.backing = nil
	return err
}

// backing holds an image's bytes for newMemory to start a memory from.
type backing interface {
	// copyInto copies the image into dst, which is its size.
	copyInto(dst []byte) error
	resident() uint64
	close() error
}
