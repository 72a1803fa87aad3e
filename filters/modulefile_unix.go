//go:build unix

package filters

import (
	"io/fs"
	"syscall"
)

func inodeAndChange(fi fs.FileInfo) (uint64, int64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0
	}
	return uint64(st.Ino), changeTime(st)
}
