package filters

import (
	"context"
	"fmt"
	"os"
	"time"
)

// fileID is what tells one version of a module file from another without
// reading it: a Caddy with a thousand sites loads the same file a
// thousand times, and hashing a Go module (megabytes) each time cost
// more than the rest of a load.
type fileID struct {
	path    string
	size    int64
	modTime time.Time
	// inode and change time (where the system has them): a file
	// replaced under the same name and size, even with its modification
	// time set back, has another of either.
	inode  uint64
	change int64
}

func statModule(path string) (fileID, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileID{}, err
	}
	id := fileID{path: path, size: fi.Size(), modTime: fi.ModTime()}
	id.inode, id.change = inodeAndChange(fi)
	return id, nil
}

// compileSource compiles the module a config names: its bytes when it
// has them, else its file.
func (e *Engine) compileSource(ctx context.Context, wasm []byte, path string) (*compiled, moduleKey, error) {
	if wasm != nil {
		return e.compile(ctx, wasm)
	}
	return e.compileFile(ctx, path)
}

// loadError names what failed to load (a filter or a function) and its
// file.
func loadError(kind, name, path string, err error) error {
	where := name
	if path != "" {
		where += " (" + path + ")"
	}
	return fmt.Errorf("%s %s: %w", kind, where, err)
}

// compileFile is compile for a module file: the file is read and hashed
// only when this version of it has not been seen.
func (e *Engine) compileFile(ctx context.Context, path string) (*compiled, moduleKey, error) {
	id, err := statModule(path)
	if err != nil {
		return nil, moduleKey{}, err
	}
	e.mu.Lock()
	if key, ok := e.files[id]; ok {
		if c, ok := e.modules[key]; ok && !e.closed {
			c.refs++
			e.mu.Unlock()
			return c, key, nil
		}
	}
	e.mu.Unlock()
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, moduleKey{}, err
	}
	c, key, err := e.compile(ctx, wasm)
	if err != nil {
		return nil, key, err
	}
	// Remembered only if the file did not change while it was read.
	if again, err := statModule(path); err == nil && again == id {
		e.mu.Lock()
		if e.files != nil {
			e.files[id] = key
		}
		e.mu.Unlock()
	}
	return c, key, nil
}
