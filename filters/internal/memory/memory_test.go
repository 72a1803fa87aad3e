package memory

import (
	"bytes"
	"sync/atomic"
	"testing"
)

// allocate makes a memory as wazero would: Allocate, then Reallocate to
// the module's minimum.
func allocate(t *testing.T, limit uint64, img *Image, min uint64) (*Memory, []byte) {
	t.Helper()
	return allocateWith(t, NewAllocator(limit, img), min)
}

func allocateWith(t *testing.T, a *Allocator, min uint64) (*Memory, []byte) {
	t.Helper()
	lm := a.Allocate(min, 1<<32)
	buf := lm.Reallocate(min)
	if buf == nil || uint64(len(buf)) != min {
		t.Fatalf("Reallocate(%d) = %d bytes", min, len(buf))
	}
	m := a.Memory()
	t.Cleanup(m.Free)
	return m, buf
}

func TestLimitRefusesGrowth(t *testing.T) {
	m, buf := allocate(t, 4*PageSize, nil, PageSize)
	if !bytes.Equal(buf, make([]byte, PageSize)) {
		t.Fatal("a new memory is not zero")
	}
	buf[0] = 1
	grown := m.Reallocate(4 * PageSize)
	if len(grown) != 4*PageSize || grown[0] != 1 || grown[4*PageSize-1] != 0 {
		t.Fatal("growing within the limit lost the contents or is not zero beyond")
	}
	if m.Refused() {
		t.Fatal("refused within the limit")
	}
	if m.Reallocate(5*PageSize) != nil || !m.Refused() {
		t.Fatal("growth past the limit was not refused and recorded")
	}
	m.Reset()
	if m.Refused() {
		t.Fatal("Reset kept the refusal")
	}
}

// TestImagesAreCopyOnWrite: memories made from one image start with its
// bytes, and what one writes neither the image nor another sees.
func TestImagesAreCopyOnWrite(t *testing.T) {
	src := make([]byte, 3*PageSize)
	copy(src, "first page")
	copy(src[2*PageSize:], "third page") // the second page stays zero
	img, err := NewImage(src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = img.Close() })
	if got, want := img.Resident(), residentOf(2, len(src)); got != want {
		t.Errorf("image holds %d bytes, want %d", got, want)
	}
	a, abuf := allocate(t, 8*PageSize, img, PageSize)
	_, bbuf := allocate(t, 8*PageSize, img, PageSize)
	abuf = a.Reallocate(3 * PageSize)
	if !bytes.Equal(abuf, src) {
		t.Fatal("a restored memory is not the image")
	}
	copy(abuf, "written by a")
	if !bytes.HasPrefix(bbuf, []byte("first page")) {
		t.Fatal("a write in one memory reached another")
	}
	c, cbuf := allocate(t, 8*PageSize, img, PageSize)
	cbuf = c.Reallocate(4 * PageSize)
	if !bytes.Equal(cbuf[:3*PageSize], src) {
		t.Fatal("the image changed after a memory made from it was written")
	}
	if !bytes.Equal(cbuf[3*PageSize:], make([]byte, PageSize)) {
		t.Fatal("memory grown past the image is not zero")
	}
}

func TestImageTooLargeForTheLimit(t *testing.T) {
	img, err := NewImage(make([]byte, 4*PageSize))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = img.Close() })
	a := NewAllocator(2*PageSize, img)
	lm := a.Allocate(PageSize, 1<<32)
	if lm.Reallocate(PageSize) != nil || a.Memory().Err() == nil {
		t.Fatal("an image larger than the limit gave a memory")
	}
}

func TestImageNotWholePages(t *testing.T) {
	if _, err := NewImage(make([]byte, PageSize+1)); err == nil {
		t.Fatal("an image of a page and a byte was accepted")
	}
}

// TestSingleUseMemoriesCopyTheImage: a single-use memory starts as the
// image too, by a copy: what it writes reaches neither the image nor a
// memory made from it, and what it grows past the image is zero.
func TestSingleUseMemoriesCopyTheImage(t *testing.T) {
	src := make([]byte, 3*PageSize)
	copy(src, "first page")
	copy(src[2*PageSize+100:], "third page") // the second page stays zero
	img, err := NewImage(src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = img.Close() })
	a, abuf := allocateWith(t, NewSingleUseAllocator(8*PageSize, img), PageSize)
	abuf = a.Reallocate(4 * PageSize)
	if !bytes.Equal(abuf[:3*PageSize], src) || !bytes.Equal(abuf[3*PageSize:], make([]byte, PageSize)) {
		t.Fatal("a single-use memory is not the image, then zero")
	}
	for i := range abuf {
		abuf[i] = 0xa5
	}
	b, bbuf := allocateWith(t, NewSingleUseAllocator(8*PageSize, img), PageSize)
	bbuf = b.Reallocate(3 * PageSize)
	_, cbuf := allocate(t, 8*PageSize, img, 3*PageSize)
	if !bytes.Equal(bbuf, src) || !bytes.Equal(cbuf, src) {
		t.Fatal("a write in a single-use memory reached the image")
	}
	if b.Reallocate(9*PageSize) != nil || !b.Refused() {
		t.Fatal("a single-use memory grew past its limit")
	}
	_, zbuf := allocateWith(t, NewSingleUseAllocator(2*PageSize, nil), 2*PageSize)
	if !bytes.Equal(zbuf, make([]byte, 2*PageSize)) {
		t.Fatal("a single-use memory without an image is not zero")
	}
}

// TestPeakIsTheLargestMemory: memories sharing a peak raise it to the
// largest size any of them grew to, and a refused growth does not count.
func TestPeakIsTheLargestMemory(t *testing.T) {
	var peak atomic.Uint64
	newMem := func(min uint64) *Memory {
		a := NewAllocator(4*PageSize, nil)
		a.TrackPeak(&peak)
		m, _ := allocateWith(t, a, min)
		return m
	}
	a, b := newMem(PageSize), newMem(2*PageSize)
	if got := peak.Load(); got != 2*PageSize {
		t.Fatalf("peak after memories of 1 and 2 pages = %d, want %d", got, 2*PageSize)
	}
	if a.Reallocate(3*PageSize) == nil {
		t.Fatal("growth within the limit refused")
	}
	if b.Reallocate(5*PageSize) != nil {
		t.Fatal("growth past the limit allowed")
	}
	if got := peak.Load(); got != 3*PageSize {
		t.Fatalf("peak = %d, want %d (the refused growth must not count)", got, 3*PageSize)
	}
	if untracked, _ := allocate(t, 4*PageSize, nil, 4*PageSize); untracked.Reallocate(4*PageSize) == nil || peak.Load() != 3*PageSize {
		t.Fatal("a memory without TrackPeak moved the peak")
	}
}
