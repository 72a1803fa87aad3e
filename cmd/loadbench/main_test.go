package main

import (
	"strings"
	"testing"
	"time"
)

// wrkOutput is what wrk 4 prints with --latency, with the figures given.
func wrkOutput(rps, p50, p99 string) string {
	return strings.Join([]string{
		"Running 1s test @ http://127.0.0.1:18777/",
		"  1 threads and 2 connections",
		"  Thread Stats   Avg      Stdev     Max   +/- Stdev",
		"    Latency   311.43us  816.08us   9.34ms   93.14%",
		"    Req/Sec    16.17k     5.31k   23.19k    50.00%",
		"  Latency Distribution",
		"     50%   " + p50,
		"     75%  146.00us",
		"     90%  591.00us",
		"     99%    " + p99,
		"  16026 requests in 1.09s, 1.80MB read",
		"Requests/sec:  " + rps,
		"Transfer/sec:      1.65MB",
		"",
	}, "\n")
}

func TestParseWrk(t *testing.T) {
	tests := []struct {
		name     string
		out      string
		want     result
		hasError bool
	}{
		{"microseconds and milliseconds", wrkOutput("14689.46", "71.00us", "4.40ms"),
			result{14689.46, 71 * time.Microsecond, 4400 * time.Microsecond}, false},
		{"seconds", wrkOutput("12.5", "1.20s", "2.00s"),
			result{12.5, 1200 * time.Millisecond, 2 * time.Second}, false},
		{"without --latency", "Requests/sec:  100.00\n", result{}, true},
		{"no rate", "  Latency Distribution\n     50%   71.00us\n     99%    4.40ms\n", result{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWrk([]byte(tt.out))
			if (err != nil) != tt.hasError {
				t.Fatalf("error %v, want one: %v", err, tt.hasError)
			}
			if !tt.hasError && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
