package filters

import (
	"bytes"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
)

// logWriter turns a guest's stdout and stderr into log lines, so that a Go
// guest's panic message reaches the logs with the filter's name. A line is
// cut at maxLine bytes: a guest cannot make the host hold more. A call
// logs at most maxLines lines, and then one that says the rest of the
// call's output is dropped: a guest cannot flood the log either (of a Go
// panic, the message and the top of the stack are what is kept).
//
// It also notices when a line says the guest's runtime is failing: Go
// prints "panic: " or "fatal error: " and then its whole stack before it
// exits, which in wasm can take longer than the time limit left. A call
// that ends that way failed by the guest's fault, not for lack of time.
type logWriter struct {
	mu     sync.Mutex
	logger *zap.Logger
	// who is the guest's name, under the field key its kind goes by
	// ("filter", "function").
	who  zap.Field
	line []byte
	// dyingSeen is set by a failure line, for the call under way.
	dyingSeen atomic.Bool
	// logged counts the call's lines (under mu); the call's first write
	// zeroes it when reset asked for that.
	logged       int
	resetPending atomic.Bool
}

const (
	maxLine  = 4 << 10
	maxLines = 100
)

// dyingPrefixes start the first line a failing runtime prints.
var dyingPrefixes = [][]byte{[]byte("panic: "), []byte("fatal error: ")}

func newLogWriter(logger *zap.Logger, key, name string) *logWriter {
	return &logWriter{logger: logger, who: zap.String(key, name)}
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.resetPending.Swap(false) {
		w.logged = 0
	}
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
		switch {
		case w.logged < maxLines:
			// A copy: a core may keep the field past the call (a test observer does).
			w.logger.Warn("guest output", w.who, zap.String("line", string(w.line)))
		case w.logged == maxLines:
			w.logger.Warn("guest output cut: the rest of this call's is dropped", w.who, zap.Int("lines", maxLines))
		}
		w.logged = min(w.logged+1, maxLines+1)
	}
	w.line = w.line[:0]
}

// endCall logs a last line the call left without its newline. A filter's
// instance keeps it for its next write; a function's call is the unit of
// its output.
func (w *logWriter) endCall() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flush()
}

// dying reports whether the guest said it was failing since the last
// reset.
func (w *logWriter) dying() bool { return w.dyingSeen.Load() }

// reset readies the writer for the next call. It takes no lock: the
// line budget is renewed by the call's first write. It stores only what
// changed: after a call that wrote nothing, as most do, the loads find
// the state reset already, and a store would cost a locked instruction.
func (w *logWriter) reset() {
	if w.dyingSeen.Load() {
		w.dyingSeen.Store(false)
	}
	if !w.resetPending.Load() {
		w.resetPending.Store(true)
	}
}
