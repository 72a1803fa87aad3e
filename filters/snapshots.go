package filters

import (
	"crypto/sha256"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gojinn/gojinn/filters/internal/snapshot"
	"github.com/gojinn/gojinn/hostabi/host"
)

// snapshotKey is everything an instance's state after configure depends
// on: the module, the config it read (for a function: its arguments and
// environment), its memory limit, what the host answered it about logging
// and key sets. Filters that agree on all of
// it (the same filter on many sites, the old and new config of a reload)
// share one snapshot.
type snapshotKey struct {
	module moduleKey
	config [sha256.Size]byte
	pages  uint32
	// logLevels has a bit per log level the logger enables: a guest may
	// ask log_enabled during configure and remember the answer.
	logLevels uint8
	// keySets tells whether keyset_open has a source, which changes its
	// answer.
	keySets bool
	// kvGrants names the stores kv_open may open, which changes its
	// answers (see kvGrants).
	kvGrants string
	// function tells a function's snapshot (taken before its runtime
	// started, or after a reactor's) from a filter's.
	function bool
}

// sharedSnapshot is one snapshot and what configure declared, shared by
// the filters whose snapshotKey is the same. The first to ask makes it;
// the others wait for done.
type sharedSnapshot struct {
	done chan struct{}
	// Set before done is closed, read only after.
	snap       *snapshot.Snapshot
	configured host.Configured
	// tickPeriod is the Proxy-Wasm tick period start-up asked for.
	tickPeriod time.Duration
	err        error
	refs       int // under Engine.mu
}

func (s *sharedSnapshot) ready() bool {
	select {
	case <-s.done:
		return s.err == nil
	default:
		return false
	}
}

// logLevels is the set of levels logger writes, as snapshotKey keeps it.
func logLevels(logger *zap.Logger) uint8 {
	var bits uint8
	for i, l := range []zapcore.Level{zapcore.DebugLevel, zapcore.InfoLevel, zapcore.WarnLevel, zapcore.ErrorLevel} {
		if logger.Core().Enabled(l) {
			bits |= 1 << i
		}
	}
	return bits
}

// acquireSnapshot returns the shared snapshot for key, making it with
// configure when no filter has: configure returns a fresh, configured
// instance to take it from, which acquireSnapshot closes once the
// snapshot is taken. made reports whether this call made it. Every
// successful call must be paired with releaseSnapshot.
func (e *Engine) acquireSnapshot(key snapshotKey, plan snapshot.Plan, configure func() (*instance, error)) (s *sharedSnapshot, made bool, err error) {
	e.mu.Lock()
	if s, ok := e.snapshots[key]; ok {
		s.refs++
		e.mu.Unlock()
		<-s.done
		if s.err != nil {
			e.releaseSnapshot(key, s)
			return nil, false, s.err
		}
		return s, false, nil
	}
	s = &sharedSnapshot{done: make(chan struct{}), refs: 1}
	e.snapshots[key] = s
	e.mu.Unlock()

	in, err := configure()
	if err == nil {
		s.configured = in.binding.Configured()
		s.tickPeriod = in.takeTickPeriod()
		s.snap, err = snapshot.Take(in.mod, plan)
		in.close()
	}
	if err != nil {
		// Not kept: the next load (a fixed config file, say) tries again.
		s.err = err
		close(s.done)
		e.releaseSnapshot(key, s)
		return nil, false, err
	}
	close(s.done)
	return s, true, nil
}

// releaseSnapshot drops a reference to s, closing it with the last one.
func (e *Engine) releaseSnapshot(key snapshotKey, s *sharedSnapshot) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s.refs--; s.refs > 0 {
		return
	}
	if e.snapshots[key] == s {
		delete(e.snapshots, key)
	}
	if s.snap != nil {
		_ = s.snap.Close()
	}
}
