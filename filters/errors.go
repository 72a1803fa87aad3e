package filters

import (
	"errors"
	"time"

	"github.com/tetratelabs/wazero/sys"
)

// Errors of a filter call. The chain maps each to its own status, so that
// a busy filter is told from a broken one.
var (
	// ErrBusy: no instance became free within the pool's wait.
	ErrBusy = errors.New("filter busy: no instance free in time")
	// ErrTimeout: the call ran past the filter's time limit.
	ErrTimeout = errors.New("filter timed out")
	// ErrTrap: the guest trapped (panic, unreachable, bad pointer, exit).
	ErrTrap = errors.New("filter trapped")
	// ErrMemoryLimit: the guest trapped with its memory at the limit.
	ErrMemoryLimit = errors.New("filter hit its memory limit")
	// ErrBadAction: the guest returned an action the ABI does not define.
	ErrBadAction = errors.New("filter returned an unknown action")
	// ErrClosed: the filter was closed (its config was unloaded).
	ErrClosed = errors.New("filter closed")
	// ErrStoreUnavailable: a key-value store the guest called could not
	// answer, and its policy is to fail closed.
	ErrStoreUnavailable = errors.New("filter's store unavailable")
	// ErrOutputTooLarge: a function wrote more to its stdout than its
	// limit.
	ErrOutputTooLarge = errors.New("function output over its limit")
)

// CallError is the error of a failed call: which filter, which kind of
// failure (one of the errors above, for errors.Is) and the cause.
type CallError struct {
	Filter string
	Kind   error
	// Cause is what went wrong inside: the wasm error with the guest's
	// stack, or a host error. For a time-out it is where the guest was
	// when it was stopped, which Error leaves out: the guest did nothing
	// wrong there but run out of time.
	Cause error
	// Limit is the time limit, for ErrTimeout.
	Limit time.Duration
}

func (e *CallError) Error() string {
	switch {
	case e.Kind == ErrTimeout && e.Limit > 0:
		return e.Filter + ": " + e.Kind.Error() + " after " + e.Limit.String()
	case e.Cause == nil:
		return e.Filter + ": " + e.Kind.Error()
	}
	return e.Filter + ": " + e.Kind.Error() + ": " + e.Cause.Error()
}

// Is makes errors.Is(err, ErrTrap) and the like work.
func (e *CallError) Is(target error) bool { return e.Kind == target }

// Unwrap exposes the cause, such as a wazero error with the wasm stack.
func (e *CallError) Unwrap() error { return e.Cause }

// ExitCode reports whether the guest ended the call by exiting (WASI
// proc_exit), and with which code. A Go guest that panics exits with 2;
// one stopped by its time limit has not exited.
func (e *CallError) ExitCode() (code uint32, exited bool) {
	var exit *sys.ExitError
	if e.Kind == ErrTimeout || !errors.As(e.Cause, &exit) || exit.ExitCode() == sys.ExitCodeDeadlineExceeded {
		return 0, false
	}
	return exit.ExitCode(), true
}
