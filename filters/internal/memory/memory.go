// Package memory provides the linear memories of filter instances,
// through wazero's memory allocator hook (experimental.MemoryAllocator):
//
//   - Each memory is a reservation of the filter's whole memory limit,
//     outside the Go heap, of which the guest uses what it has grown to.
//     Pages are committed by the kernel as the guest touches them and go
//     back to the system the moment the instance closes, not when the Go
//     collector gets round to it.
//   - The limit is enforced here, not by wazero's runtime-wide limit, so
//     that one runtime (and one compiled module) serves filters with
//     different limits, and so that a refused memory.grow is known for
//     what it is: the guest hit its limit.
//   - A memory can start from an Image, a snapshot of another instance's
//     memory: on Linux the image is a sealed memfd mapped copy-on-write,
//     so every instance restored from it shares the image's pages until it
//     writes them. Elsewhere the image is copied.
package memory

import (
	"sync/atomic"

	"github.com/tetratelabs/wazero/experimental"
)

// PageSize is the wasm page: memories grow in whole pages.
const PageSize = 65536

// Allocator makes an instance's memory. It serves one instantiation: the
// memory it made is Memory's afterwards.
type Allocator struct {
	limit     uint64
	image     *Image
	singleUse bool
	peak      *atomic.Uint64
	mem       *Memory
}

// NewAllocator returns an allocator for a memory of at most limit bytes
// (a multiple of PageSize), starting zeroed, or as image when it is not
// nil. The image's size must be within the limit.
func NewAllocator(limit uint64, image *Image) *Allocator {
	return &Allocator{limit: limit, image: image}
}

// NewSingleUseAllocator is NewAllocator for the memory of an instance
// that serves one call and closes (a WASI command's): the image is copied
// in rather than mapped, and the memory is advised for huge pages where
// the system has them. Such an instance has no one to share its pages
// with, and it writes many of them at once while its runtime starts:
// each of those writes was a fault of its own, which on a virtual
// machine costs more than copying the page (17 us a 4 KiB page on the
// benchmark machine, against 0.6 us with 2 MiB pages; see
// docs/BENCHMARKS.md).
func NewSingleUseAllocator(limit uint64, image *Image) *Allocator {
	return &Allocator{limit: limit, image: image, singleUse: true}
}

// TrackPeak makes the memory raise peak to its size whenever it grows
// past it: the largest memory of the instances that share peak, kept
// where it costs nothing per call, since a memory only grows.
func (a *Allocator) TrackPeak(peak *atomic.Uint64) { a.peak = peak }

// Allocate implements experimental.MemoryAllocator. max is the module's
// own maximum (or wazero's), which wazero enforces before asking.
func (a *Allocator) Allocate(_, max uint64) experimental.LinearMemory {
	reserve := min(max, a.limit)
	m, err := newMemory(reserve, a.limit, a.image, a.singleUse)
	if err != nil {
		// wazero's hook has no error: a memory that cannot be reserved
		// is one that cannot be had, and Reallocate says so with nil,
		// which fails the instantiation rather than the process.
		m = &Memory{limit: a.limit, failed: err}
	}
	m.peak = a.peak
	a.mem = m
	return m
}

// Memory is the memory the last Allocate made, nil before.
func (a *Allocator) Memory() *Memory { return a.mem }

var _ experimental.MemoryAllocator = (*Allocator)(nil)

// Memory is one instance's linear memory.
type Memory struct {
	// buf is the reservation, of which the guest sees what it has grown
	// to; where memory cannot be reserved, grow resizes it instead.
	buf   []byte
	grow  func(size uint64) bool
	limit uint64
	// refused is set when the guest asked to grow past the limit.
	refused atomic.Bool
	failed  error
	free    func()
	peak    *atomic.Uint64
}

// Reallocate implements experimental.LinearMemory: wazero calls it to
// size the memory at instantiation and on every memory.grow that its own
// checks let through. A nil answer fails the grow (the guest sees -1) or
// the instantiation.
func (m *Memory) Reallocate(size uint64) []byte {
	switch {
	case size > m.limit:
		m.refused.Store(true)
		return nil
	case m.failed != nil:
		return nil
	case m.grow != nil:
		if !m.grow(size) {
			return nil
		}
		m.raisePeak(size)
		return m.buf
	case size > uint64(len(m.buf)):
		return nil
	}
	m.raisePeak(size)
	return m.buf[:size]
}

func (m *Memory) raisePeak(size uint64) {
	if m.peak == nil {
		return
	}
	for {
		p := m.peak.Load()
		if size <= p || m.peak.CompareAndSwap(p, size) {
			return
		}
	}
}

// Free implements experimental.LinearMemory: the instance closed.
func (m *Memory) Free() {
	if m.free != nil {
		m.free()
		m.free = nil
	}
	m.buf = nil
}

// Refused reports whether the guest asked for more memory than its limit
// since the last Reset.
func (m *Memory) Refused() bool { return m.refused.Load() }

// Reset forgets an earlier refusal, at the start of a call. A load first:
// a refusal is rare, and a store would cost a locked instruction a call.
func (m *Memory) Reset() {
	if m.refused.Load() {
		m.refused.Store(false)
	}
}

// Err is why the memory could not be reserved, nil when it was.
func (m *Memory) Err() error { return m.failed }
