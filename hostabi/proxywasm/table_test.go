package proxywasm

import (
	"reflect"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// TestHandlersMatchTable keeps handlers and funcs in step: an implemented
// function has a handler, an unimplemented one none, and no handler is
// for a function the table lacks.
func TestHandlersMatchTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range funcs {
		if seen[f.Name] {
			t.Errorf("%s twice in the table", f.Name)
		}
		seen[f.Name] = true
		if _, ok := handlers[f.Name]; ok == f.Unimplemented {
			t.Errorf("%s: unimplemented %v, handler %v", f.Name, f.Unimplemented, ok)
		}
		if len(f.Results) != 1 || f.Results[0] != api.ValueTypeI32 {
			t.Errorf("%s: every host function returns a status", f.Name)
		}
	}
	for name := range handlers {
		if !seen[name] {
			t.Errorf("handler for %s, which the table lacks", name)
		}
	}
}

// TestTableIsTheSpecification pins the table to the host functions of ABI
// v0.2.1, with their parameter counts (all i32 but the metric values).
func TestTableIsTheSpecification(t *testing.T) {
	spec := map[string]int{
		"proxy_done": 0, "proxy_set_effective_context": 1, "proxy_log": 3, "proxy_get_log_level": 1,
		"proxy_get_current_time_nanoseconds": 1, "proxy_set_tick_period_milliseconds": 1,
		"proxy_set_buffer_bytes": 5, "proxy_get_buffer_bytes": 5, "proxy_get_buffer_status": 3,
		"proxy_get_header_map_size": 2, "proxy_get_header_map_pairs": 3, "proxy_set_header_map_pairs": 3,
		"proxy_get_header_map_value": 5, "proxy_add_header_map_value": 5, "proxy_replace_header_map_value": 5,
		"proxy_remove_header_map_value": 3, "proxy_continue_stream": 1, "proxy_close_stream": 1,
		"proxy_get_status": 3, "proxy_send_local_response": 8, "proxy_http_call": 10, "proxy_grpc_call": 12,
		"proxy_grpc_stream": 9, "proxy_grpc_send": 4, "proxy_grpc_cancel": 1, "proxy_grpc_close": 1,
		"proxy_set_shared_data": 5, "proxy_get_shared_data": 5, "proxy_register_shared_queue": 3,
		"proxy_resolve_shared_queue": 5, "proxy_enqueue_shared_queue": 3, "proxy_dequeue_shared_queue": 3,
		"proxy_define_metric": 4, "proxy_record_metric": 2, "proxy_increment_metric": 2, "proxy_get_metric": 2,
		"proxy_get_property": 4, "proxy_set_property": 4, "proxy_call_foreign_function": 6,
	}
	got := map[string]int{}
	for _, f := range Funcs() {
		got[f.Name] = len(f.Params)
	}
	if !reflect.DeepEqual(got, spec) {
		t.Fatalf("table %v\nwant    %v", got, spec)
	}
	for _, name := range []string{FuncRecordMetric, FuncIncrementMetric} {
		f, _ := Lookup(name)
		if f.Params[1] != api.ValueTypeI64 {
			t.Errorf("%s takes an i64 value", name)
		}
	}
}

func TestSerializeRoundTrip(t *testing.T) {
	ps := []pair{{"a", "1"}, {"b", "22"}, {"", ""}, {":path", "/x?y"}}
	b := serialize(nil, ps, false)
	// The specification's example: {"a": "1"}, {"b": "22"}.
	ex := serialize(nil, ps[:2], false)
	want := []byte{2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 'a', 0, '1', 0, 'b', 0, '2', '2', 0}
	if !reflect.DeepEqual(ex, want) {
		t.Fatalf("serialize %v, want %v", ex, want)
	}
	got, err := deserialize(b)
	if err != nil || !reflect.DeepEqual(got, ps) {
		t.Fatalf("deserialize: %v %v", got, err)
	}
	for _, empty := range [][]byte{nil, {0}} {
		if got, err := deserialize(empty); err != nil || len(got) != 0 {
			t.Fatalf("empty map %v: %v %v", empty, got, err)
		}
	}
}

func TestDeserializeRejects(t *testing.T) {
	good := serialize(nil, []pair{{"k", "v"}}, false)
	for name, b := range map[string][]byte{
		"short":         {1, 0},
		"count too big": {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},
		"no NUL":        append(append([]byte(nil), good[:len(good)-1]...), 'x'),
		"truncated":     good[:len(good)-2],
		"length lies":   func() []byte { b := append([]byte(nil), good...); b[4] = 9; return b }(),
	} {
		if _, err := deserialize(b); err == nil {
			t.Errorf("%s: accepted %v", name, b)
		}
	}
}

func TestMetrics(t *testing.T) {
	ms := NewMetrics(2)
	c, st := ms.Define(MetricCounter, []byte("c"))
	if st != StatusOK {
		t.Fatal(st)
	}
	if again, _ := ms.Define(MetricCounter, []byte("c")); again != c {
		t.Fatalf("the same name got id %d then %d", c, again)
	}
	if _, st := ms.Define(MetricGauge, []byte("c")); st != StatusBadArgument {
		t.Fatalf("redefined with another type: %d", st)
	}
	if _, st := ms.Define(MetricType(9), []byte("x")); st != StatusBadArgument {
		t.Fatalf("unknown type: %d", st)
	}
	g, _ := ms.Define(MetricGauge, []byte("g"))
	if _, st := ms.Define(MetricHistogram, []byte("h")); st != StatusBadArgument {
		t.Fatalf("past the limit: %d", st)
	}
	if st := ms.Increment(c, -1); st != StatusBadArgument {
		t.Fatalf("counter down: %d", st)
	}
	ms.Increment(c, 5)
	ms.Increment(g, 3)
	ms.Increment(g, -4)
	if v, _ := ms.Get(c); v != 5 {
		t.Fatalf("counter %d", v)
	}
	if v, _ := ms.Get(g); int64(v) != -1 {
		t.Fatalf("gauge %d", int64(v))
	}
	if _, st := ms.Get(99); st != StatusNotFound {
		t.Fatalf("unknown id: %d", st)
	}
	if st := ms.Record(0, 1); st != StatusNotFound {
		t.Fatalf("id 0: %d", st)
	}
}
