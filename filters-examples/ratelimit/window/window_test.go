package window

import (
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	w := Window{Limit: 10, Size: time.Minute}
	tests := []struct {
		name              string
		current, previous int64
		elapsed           time.Duration
		want              Decision
	}{
		{"first request", 1, 0, 0, Decision{Allowed: true, Remaining: 9, Reset: time.Minute}},
		{"at the limit", 10, 0, 30 * time.Second, Decision{Allowed: true, Remaining: 0, Reset: 30 * time.Second}},
		{"over the limit", 11, 0, 30 * time.Second, Decision{Allowed: false, Reset: 30 * time.Second}},
		{"previous window full, start of this one", 1, 10, 0, Decision{Allowed: false, Reset: time.Minute}},
		{"previous window full, half way", 5, 10, 30 * time.Second, Decision{Allowed: true, Remaining: 0, Reset: 30 * time.Second}},
		{"previous window full, half way, one more", 6, 10, 30 * time.Second, Decision{Allowed: false, Reset: 30 * time.Second}},
		{"previous window weighs less as time goes", 8, 10, 45 * time.Second, Decision{Allowed: true, Remaining: 0, Reset: 15 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := w.Decide(tt.current, tt.previous, tt.elapsed); got != tt.want {
				t.Errorf("Decide(%d, %d, %v) = %+v, want %+v", tt.current, tt.previous, tt.elapsed, got, tt.want)
			}
		})
	}
}

func TestIndex(t *testing.T) {
	w := Window{Limit: 1, Size: time.Minute}
	at := time.Unix(600, 0).Add(15 * time.Second)
	i, elapsed := w.Index(at)
	if i != 10 || elapsed != 15*time.Second {
		t.Errorf("Index(%v) = %d, %v; want 10, 15s", at, i, elapsed)
	}
}

func TestNeedsPrevious(t *testing.T) {
	w := Window{Limit: 3, Size: time.Second}
	for current, want := range map[int64]bool{1: true, 3: true, 4: false} {
		if got := w.NeedsPrevious(current); got != want {
			t.Errorf("NeedsPrevious(%d) = %v, want %v", current, got, want)
		}
	}
}
