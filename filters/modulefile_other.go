//go:build !unix

package filters

import "io/fs"

func inodeAndChange(fs.FileInfo) (uint64, int64) { return 0, 0 }
