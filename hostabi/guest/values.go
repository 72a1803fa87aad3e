package guest

import (
	"errors"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// Errors the host reports, as Go errors.
var (
	ErrNotFound    = errors.New("gojinn: not found")
	ErrInvalid     = errors.New("gojinn: invalid argument")
	ErrTooLarge    = errors.New("gojinn: over the host's limit")
	ErrPhase       = errors.New("gojinn: not available in this phase")
	ErrSignature   = errors.New("gojinn: signature does not verify")
	ErrUnavailable = errors.New("gojinn: not available yet")
)

// resultError maps a negative host result to its error; nil for >= 0.
func resultError(r int32) error {
	switch {
	case r >= 0:
		return nil
	case r == hostabi.ErrNotFound:
		return ErrNotFound
	case r == hostabi.ErrInvalid:
		return ErrInvalid
	case r == hostabi.ErrTooLarge:
		return ErrTooLarge
	case r == hostabi.ErrPhase:
		return ErrPhase
	case r == hostabi.ErrSignature:
		return ErrSignature
	case r == hostabi.ErrUnavailable:
		return ErrUnavailable
	}
	return errors.New("gojinn: unknown host result")
}

// splitValues splits a NUL-separated host list. An empty list is nil.
func splitValues(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

// Action is what a handler returns: Continue or Respond.
type Action = hostabi.Action

const (
	// Continue passes the request (or response) on.
	Continue = hostabi.ActionContinue
	// Respond stops the chain and sends the response set on Response
	// (RespondWith sets its status and body and returns Respond).
	Respond = hostabi.ActionRespond
)

// Log levels.
const (
	LevelDebug = hostabi.LogDebug
	LevelInfo  = hostabi.LogInfo
	LevelWarn  = hostabi.LogWarn
	LevelError = hostabi.LogError
)
