//go:build !linux

package memory

// residentOf is what an image holds: without memfd, the whole of it.
func residentOf(pages, total int) uint64 { return uint64(total) }
