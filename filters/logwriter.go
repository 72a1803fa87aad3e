package filters

import (
	"bytes"
	"sync"

	"go.uber.org/zap"
)

// logWriter turns a guest's stdout and stderr into log lines, so that a Go
// guest's panic message reaches the logs with the filter's name. A line is
// cut at maxLine bytes: a guest cannot make the host hold more.
type logWriter struct {
	mu     sync.Mutex
	logger *zap.Logger
	filter string
	line   []byte
}

const maxLine = 4 << 10

func newLogWriter(logger *zap.Logger, filter string) *logWriter {
	return &logWriter{logger: logger, filter: filter}
}

func (w *logWriter) Write(p []byte) (int, error) {
	if w.logger == nil {
		return len(p), nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.line = append(w.line, p[:min(len(p), maxLine-len(w.line))]...)
			break
		}
		w.line = append(w.line, p[:min(i, maxLine-len(w.line))]...)
		w.flush()
		p = p[i+1:]
	}
	return n, nil
}

func (w *logWriter) flush() {
	if len(w.line) > 0 {
		w.logger.Warn("guest output", zap.String("filter", w.filter), zap.ByteString("line", w.line))
	}
	w.line = w.line[:0]
}
