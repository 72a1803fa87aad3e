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
			result{rps: 14689.46, p50: 71 * time.Microsecond, p99: 4400 * time.Microsecond}, false},
		{"seconds", wrkOutput("12.5", "1.20s", "2.00s"),
			result{rps: 12.5, p50: 1200 * time.Millisecond, p99: 2 * time.Second}, false},
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

func TestParseCounts(t *testing.T) {
	metrics := `# HELP gojinn_filter_pool_waits_total Calls that found no instance free.
# TYPE gojinn_filter_pool_waits_total counter
gojinn_filter_pool_waits_total{filter="waf",stage="0"} 12
gojinn_filter_pool_waits_total{filter="other",stage="1"} 3
gojinn_filter_instances_started_total{filter="waf",restored="true"} 8
gojinn_filter_instances_started_total{filter="waf",restored="false"} 1
gojinn_filter_calls_total{filter="waf",outcome="continue"} 1e+06
gojinn_filter_call_duration_seconds_bucket{chain="0",filter="waf",phase="request",le="1.6e-05"} 90
gojinn_filter_call_duration_seconds_bucket{chain="0",filter="waf",phase="request",le="6.4e-05"} 99
gojinn_filter_call_duration_seconds_bucket{chain="0",filter="waf",phase="request",le="0.000256"} 100
gojinn_filter_call_duration_seconds_bucket{chain="0",filter="waf",phase="request",le="+Inf"} 100
gojinn_filter_call_duration_seconds_sum{chain="0",filter="waf",phase="request"} 0.002
gojinn_filter_call_duration_seconds_count{chain="0",filter="waf",phase="request"} 100
`
	got, err := parseCounts([]byte(metrics))
	if err != nil {
		t.Fatal(err)
	}
	if got.waits != 15 || got.started != 9 || got.calls != 100 || len(got.le) != 3 {
		t.Fatalf("got %+v, want 15 waits, 9 started, 100 calls in 3 buckets", got)
	}
	for q, want := range map[float64]time.Duration{0.5: 16 * time.Microsecond, 0.99: 64 * time.Microsecond, 1: 256 * time.Microsecond} {
		if d := got.callQuantile(q); d != want {
			t.Errorf("quantile %v: %v, want %v", q, d, want)
		}
	}
	if _, err := parseCounts([]byte("gojinn_filter_pool_waits_total{} many\n")); err == nil {
		t.Fatal("a value that is not a number parsed")
	}
}
