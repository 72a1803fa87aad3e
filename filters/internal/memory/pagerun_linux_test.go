package memory

// residentOf is what an image of total bytes, pages of them not zero,
// holds: on Linux only its non-zero host pages.
func residentOf(pages, total int) uint64 { return uint64(pages * pageRun) }
