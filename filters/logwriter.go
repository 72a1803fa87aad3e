package filters

import (
	"bytes"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
)

// logWriter turns a guest's stdout and stderr into log lines, so that a Go
// guest's panic message reaches the logs with the filter's name. A line is
// cut at maxLine bytes: a guest cannot make the host hold more.
//
// It also notices when a line says the guest's runtime is failing: Go
// prints "panic: " or "fatal error: " and then its whole stack before it
// exits, which in wasm can take longer than the time limit left. A call
// that ends that way failed by the guest's fault, not for lack of time.
type logWriter struct {
	mu     sync.Mutex
	logger *zap.Logger
	filter string
	line   []byte
	// dyingSeen is set by a failure line, for the call under way.
	dyingSeen atomic.Bool
}

const maxLine = 4 << 10

// dyingPrefixes start the first line a failing runtime prints.
var dyingPrefixes = [][]byte{[]byte("panic: "), []byte("fatal error: ")}

func newLogWriter(logger *zap.Logger, filter string) *logWriter {
	return &logWriter{logger: logger, filter: filter}
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.line = append(w.line, p[:min(len(p), maxLine-len(w.line))]...)
			w.check()
			break
		}
		w.line = append(w.line, p[:min(i, maxLine-len(w.line))]...)
		w.check()
		w.flush()
		p = p[i+1:]
	}
	return n, nil
}

// check looks at the line so far for a failing runtime's first words.
func (w *logWriter) check() {
	for _, prefix := range dyingPrefixes {
		if bytes.HasPrefix(w.line, prefix) {
			w.dyingSeen.Store(true)
		}
	}
}

func (w *logWriter) flush() {
	if len(w.line) > 0 && w.logger != nil {
		w.logger.Warn("guest output", zap.String("filter", w.filter), zap.ByteString("line", w.line))
	}
	w.line = w.line[:0]
}

// dying reports whether the guest said it was failing since the last
// reset.
func (w *logWriter) dying() bool { return w.dyingSeen.Load() }

// reset readies the writer for the next call.
func (w *logWriter) reset() { w.dyingSeen.Store(false) }
