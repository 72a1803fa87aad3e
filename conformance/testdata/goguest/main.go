// Command goguest is the Go case runner of the conformance suite: it runs
// the script it is configured with (see conformance/script.go for the
// language) and reports one line per step. Its twin in C is
// testdata/cguest; both must print the same report for every case.
//
// The SDK (hostabi/guest) provides the exports and the configure plumbing;
// the steps call the host through raw imports, because the cases look at
// what the SDK hides: result codes, short buffers and bad pointers.
package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/guest"
)

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest})
}

func main() {}

var (
	script          string
	configureReport []string
	errRefused      = fmt.Errorf("refused by script")
)

func configure(config []byte) error {
	script = string(config)
	report, action := run(phaseConfigure)
	configureReport = report
	if action > 0 {
		return errRefused
	}
	if strings.HasPrefix(script, "response ") || strings.Contains(script, "\nresponse ") {
		// The SDK declares the response phase after this returns, with
		// what a configure step declared, or else the response body.
		f := uint32(hostabi.FeatureResponseBody)
		if declared >= 0 {
			f = uint32(declared)
		}
		guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest, OnResponse: onResponse,
			BufferResponseBody:   f&uint32(hostabi.FeatureResponseBody) != 0,
			ReadsRequestBody:     f&uint32(hostabi.FeatureRequestBody) != 0,
			CarryResponseHeaders: f&uint32(hostabi.FeatureCarryResponseHeaders) != 0})
	}
	return nil
}

// declared is the flags of the last features_set step that succeeded in
// configure, -1 when none did.
var declared int64 = -1

func onResponse() guest.Action {
	report, action := run(phaseResponse)
	if action >= 0 {
		return guest.Action(action)
	}
	out := strings.Join(report, ";")
	hostHeaderAdd(1, ptrOf("X-Response-Report"), 17, ptrOf(out), uint32(len(out)))
	return guest.Continue
}

func onRequest() guest.Action {
	report, action := run(phaseRequest)
	report = append(append([]string(nil), configureReport...), report...)
	out := strings.Join(report, ";")
	if action == actionContinue {
		hostHeaderAdd(0, ptrOf("X-Report"), 8, ptrOf(out), uint32(len(out)))
		return guest.Continue
	}
	if action >= 0 {
		return guest.Action(action)
	}
	hostBodyWrite(1, ptrOf(out), uint32(len(out)))
	return guest.Respond
}

const (
	phaseConfigure = iota
	phaseRequest
	phaseResponse
)

// actionContinue marks the continue step, which reports through a request
// header; other actions end the phase as they are.
const actionContinue = -2

// run runs the steps of phase and returns the report and the action the
// script ended with (-1 when it ran to its end).
func run(phase int) ([]string, int32) {
	var report []string
	for _, line := range strings.Split(script, "\n") {
		a := strings.Fields(line)
		if len(a) == 0 {
			continue
		}
		linePhase := phaseRequest
		switch a[0] {
		case "configure", "response":
			linePhase = phaseConfigure
			if a[0] == "response" {
				linePhase = phaseResponse
			}
			a = a[1:]
			if len(a) == 0 {
				continue
			}
		}
		if linePhase != phase {
			continue
		}
		res, action := step(a, phase)
		if action != -1 {
			return report, action
		}
		report = append(report, res)
	}
	return report, -1
}

// argStr decodes a string argument: parts joined by '+', each
// percent-decoded and then repeated when it ends in *N; a pair of single
// quotes is the empty string.
func argStr(a []string, i int) []byte {
	out := []byte{}
	if i >= len(a) || a[i] == "''" {
		return out
	}
	for _, part := range strings.Split(a[i], "+") {
		rep := 1
		if j := strings.LastIndexByte(part, '*'); j >= 0 {
			rep, _ = strconv.Atoi(part[j+1:])
			part = part[:j]
		}
		var unit []byte
		for k := 0; k < len(part); k++ {
			if part[k] == '%' && k+2 < len(part) {
				v, _ := strconv.ParseUint(part[k+1:k+3], 16, 8)
				unit = append(unit, byte(v))
				k += 2
				continue
			}
			unit = append(unit, part[k])
		}
		out = append(out, bytes.Repeat(unit, rep)...)
	}
	return out
}

func argInt(a []string, i int) uint32 {
	if i >= len(a) {
		return 0
	}
	if strings.HasPrefix(a[i], "-") {
		v, _ := strconv.ParseInt(a[i], 0, 64)
		return uint32(v)
	}
	v, _ := strconv.ParseUint(a[i], 0, 32)
	return uint32(v)
}

func ptr(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

func ptrOf(s string) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.StringData(s)))) }

const (
	fill  = 0xAA
	guard = 16
)

// buffer is a host output buffer of limit bytes and a guard, all FILL, so
// that the report can tell what the host wrote.
func buffer(limit uint32) []byte {
	b := make([]byte, int(limit)+guard)
	for i := range b {
		b[i] = fill
	}
	return b
}

// reportCount reports kv_incr: its result and, when it is 0, the count
// the host wrote (a signed 64-bit little-endian integer in the first 8
// bytes of b), and " clobbered" when it wrote anywhere else.
func reportCount(r int32, b []byte) string {
	s := itoa(r)
	written := 0
	if r == 0 && len(b) >= 8 {
		written = 8
		n := int64(0)
		for i := 7; i >= 0; i-- {
			n = n<<8 | int64(b[i])
		}
		s += " " + strconv.FormatInt(n, 10)
	}
	for _, c := range b[written:] {
		if c != fill {
			return s + " clobbered"
		}
	}
	return s
}

// reportData reports a data call under the buffer-limit protocol.
func reportData(r int32, b []byte, limit uint32) string {
	s := strconv.Itoa(int(r))
	written := 0
	if r >= 0 && uint32(r) <= limit {
		written = int(r)
		switch {
		case r > 128:
			s += fmt.Sprintf(" #%08x", fnv32a(b[:r]))
		case r > 0:
			s += " " + escape(b[:r])
		}
	}
	for _, c := range b[written:] {
		if c != fill {
			return s + " clobbered"
		}
	}
	return s
}

func escape(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c < 0x21 || c > 0x7e || c == '%' || c == ';' {
			fmt.Fprintf(&sb, "%%%02X", c)
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func fnv32a(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

func itoa(r int32) string { return strconv.Itoa(int(r)) }

// step runs one step and returns its report, or the action that ends the
// phase (-1 to go on).
func step(a []string, phase int) (string, int32) {
	switch op := a[0]; op {
	case "method_get", "uri_get", "proto_get", "client_addr_get", "config_get", "trace_context_get":
		limit := argInt(a, 1)
		b := buffer(limit)
		fn := map[string]func(uint32, uint32) int32{
			"method_get": hostMethodGet, "uri_get": hostURIGet, "proto_get": hostProtoGet,
			"client_addr_get": hostClientAddrGet, "config_get": hostConfigGet,
			"trace_context_get": hostTraceContextGet,
		}[op]
		return reportData(fn(ptr(b), limit), b, limit), -1
	case "method_set", "uri_set", "keyset_open":
		s := argStr(a, 1)
		fn := map[string]func(uint32, uint32) int32{
			"method_set": hostMethodSet, "uri_set": hostURISet, "keyset_open": hostKeysetOpen,
		}[op]
		return itoa(fn(ptr(s), uint32(len(s)))), -1
	case "header_get":
		name, limit := argStr(a, 2), argInt(a, 3)
		b := buffer(limit)
		return reportData(hostHeaderGet(argInt(a, 1), ptr(name), uint32(len(name)), ptr(b), limit), b, limit), -1
	case "header_names", "body_read":
		limit := argInt(a, 2)
		b := buffer(limit)
		fn := hostHeaderNames
		if op == "body_read" {
			fn = hostBodyRead
		}
		return reportData(fn(argInt(a, 1), ptr(b), limit), b, limit), -1
	case "header_set", "header_add":
		name, val := argStr(a, 2), argStr(a, 3)
		fn := hostHeaderSet
		if op == "header_add" {
			fn = hostHeaderAdd
		}
		return itoa(fn(argInt(a, 1), ptr(name), uint32(len(name)), ptr(val), uint32(len(val)))), -1
	case "header_remove":
		name := argStr(a, 2)
		return itoa(hostHeaderRemove(argInt(a, 1), ptr(name), uint32(len(name)))), -1
	case "body_write":
		body := argStr(a, 2)
		return itoa(hostBodyWrite(argInt(a, 1), ptr(body), uint32(len(body)))), -1
	case "status_get":
		return itoa(hostStatusGet()), -1
	case "status_set":
		return itoa(hostStatusSet(argInt(a, 1))), -1
	case "features_set":
		r := hostFeaturesSet(argInt(a, 1))
		if r == 0 && phase == phaseConfigure {
			declared = int64(argInt(a, 1))
		}
		return itoa(r), -1
	case "body_size":
		return itoa(hostBodySize(argInt(a, 1))), -1
	case "log_enabled":
		return itoa(hostLogEnabled(int32(argInt(a, 1)))), -1
	case "var_get":
		name, limit := argStr(a, 1), argInt(a, 2)
		b := buffer(limit)
		return reportData(hostVarGet(ptr(name), uint32(len(name)), ptr(b), limit), b, limit), -1
	case "var_set":
		name, val := argStr(a, 1), argStr(a, 2)
		return itoa(hostVarSet(ptr(name), uint32(len(name)), ptr(val), uint32(len(val)))), -1
	case "log":
		msg := argStr(a, 2)
		hostLog(int32(argInt(a, 1)), ptr(msg), uint32(len(msg)))
		return "-", -1
	case "signature_verify":
		alg, kid, msg, sig := argStr(a, 2), argStr(a, 3), argStr(a, 4), argStr(a, 5)
		return itoa(hostSignatureVerify(int32(argInt(a, 1)), ptr(alg), uint32(len(alg)), ptr(kid), uint32(len(kid)),
			ptr(msg), uint32(len(msg)), ptr(sig), uint32(len(sig)))), -1
	case "json_get":
		path, limit := argStr(a, 2), argInt(a, 3)
		b := buffer(limit)
		return reportData(hostJSONGet(argInt(a, 1), ptr(path), uint32(len(path)), ptr(b), limit), b, limit), -1
	case "json_leaves":
		limit := argInt(a, 3)
		b := buffer(limit)
		return reportData(hostJSONLeaves(argInt(a, 1), argInt(a, 2), ptr(b), limit), b, limit), -1
	case "regex_compile":
		list := argStr(a, 1)
		return itoa(hostRegexCompile(ptr(list), uint32(len(list)))), -1
	case "patterns_compile":
		list := argStr(a, 1)
		return itoa(hostPatternsCompile(ptr(list), uint32(len(list)), argInt(a, 2))), -1
	case "regex_match", "regex_find", "patterns_scan":
		data, limit := argStr(a, 4), argInt(a, 5)
		b := buffer(limit)
		fn := hostRegexMatch
		switch op {
		case "regex_find":
			fn = hostRegexFind
		case "patterns_scan":
			fn = hostPatternsScan
		}
		return reportData(fn(int32(argInt(a, 1)), argInt(a, 2), argInt(a, 3), ptr(data), uint32(len(data)), ptr(b), limit), b, limit), -1
	case "sqli_check":
		data, limit := argStr(a, 3), argInt(a, 4)
		b := buffer(limit)
		return reportData(hostSQLiCheck(argInt(a, 1), argInt(a, 2), ptr(data), uint32(len(data)), ptr(b), limit), b, limit), -1
	case "xss_check":
		data := argStr(a, 3)
		return itoa(hostXSSCheck(argInt(a, 1), argInt(a, 2), ptr(data), uint32(len(data)))), -1
	case "kv_open":
		name := argStr(a, 1)
		return itoa(hostKVOpen(ptr(name), uint32(len(name)))), -1
	case "kv_get":
		key, limit := argStr(a, 2), argInt(a, 3)
		b := buffer(limit)
		return reportData(hostKVGet(int32(argInt(a, 1)), ptr(key), uint32(len(key)), ptr(b), limit), b, limit), -1
	case "kv_set", "kv_set_if_absent":
		key, val := argStr(a, 2), argStr(a, 3)
		fn := hostKVSet
		if op == "kv_set_if_absent" {
			fn = hostKVSetIfAbsent
		}
		return itoa(fn(int32(argInt(a, 1)), ptr(key), uint32(len(key)), ptr(val), uint32(len(val)), int32(argInt(a, 4)))), -1
	case "kv_cas":
		key, old, val := argStr(a, 2), argStr(a, 3), argStr(a, 4)
		return itoa(hostKVCAS(int32(argInt(a, 1)), ptr(key), uint32(len(key)), ptr(old), uint32(len(old)),
			ptr(val), uint32(len(val)), int32(argInt(a, 5)))), -1
	case "kv_incr":
		key, limit := argStr(a, 2), argInt(a, 5)
		b := buffer(limit)
		r := hostKVIncr(int32(argInt(a, 1)), ptr(key), uint32(len(key)), int32(argInt(a, 3)), int32(argInt(a, 4)), ptr(b), limit)
		return reportCount(r, b), -1
	case "kv_delete":
		key := argStr(a, 2)
		return itoa(hostKVDelete(int32(argInt(a, 1)), ptr(key), uint32(len(key)))), -1
	case "fill_vars":
		ok, first := 0, int32(0)
		for i := range argInt(a, 1) {
			name := "v" + strconv.Itoa(int(i))
			switch r := hostVarSet(ptrOf(name), uint32(len(name)), ptrOf("x"), 1); {
			case r == 0:
				ok++
			case first == 0:
				first = r
			}
		}
		return strconv.Itoa(ok) + " " + itoa(first), -1
	case "raw":
		return raw(a[1:]), -1
	case "count":
		calls++
		return strconv.Itoa(calls), -1
	case "fault":
		return fault(phase)
	case "continue":
		if phase == phaseRequest {
			return "", actionContinue
		}
	case "return":
		return "", int32(argInt(a, 1))
	case "refuse":
		if phase == phaseConfigure {
			hostLog(3, ptrOf("refused by script"), 17)
			return "", 1
		}
	case "trap":
		panic("trap step")
	case "loop":
		for i := 0; ; i++ {
			spin = i
		}
	case "recurse":
		return strconv.Itoa(deep(0)), -1
	case "grow":
		for {
			hoard = append(hoard, make([]byte, 1<<20))
		}
	}
	return "unknown-op " + a[0], -1
}

var (
	spin  int
	hoard [][]byte
	// calls counts the count steps this instance ran: a fresh instance
	// reports 1, so a test can tell a replaced instance from a reused one.
	calls int
)

// fault runs the request's X-Fault header as a step, or reports "-".
func fault(phase int) (string, int32) {
	b := make([]byte, 255)
	n := hostHeaderGet(0, ptrOf("X-Fault"), 7, ptr(b), uint32(len(b)))
	if n < 0 || int(n) >= len(b) {
		return "-", -1
	}
	a := strings.Fields(string(b[:n]))
	if len(a) == 0 {
		return "-", -1
	}
	return step(a, phase)
}

// deep recurses without end until the stack gives out.
func deep(n int) int {
	var pad [256]byte
	pad[n&255] = byte(n)
	if n < 0 {
		return 0
	}
	return deep(n+1) + int(pad[(n*7)&255])
}

// raw calls a host function with integer arguments, as hostile guests do.
func raw(a []string) string {
	var v [9]uint32
	for i := 1; i < len(a) && i <= 9; i++ {
		v[i-1] = argInt(a, i)
	}
	switch a[0] {
	case "method_get":
		return itoa(hostMethodGet(v[0], v[1]))
	case "method_set":
		return itoa(hostMethodSet(v[0], v[1]))
	case "uri_get":
		return itoa(hostURIGet(v[0], v[1]))
	case "uri_set":
		return itoa(hostURISet(v[0], v[1]))
	case "proto_get":
		return itoa(hostProtoGet(v[0], v[1]))
	case "client_addr_get":
		return itoa(hostClientAddrGet(v[0], v[1]))
	case "header_get":
		return itoa(hostHeaderGet(v[0], v[1], v[2], v[3], v[4]))
	case "header_names":
		return itoa(hostHeaderNames(v[0], v[1], v[2]))
	case "header_set":
		return itoa(hostHeaderSet(v[0], v[1], v[2], v[3], v[4]))
	case "header_add":
		return itoa(hostHeaderAdd(v[0], v[1], v[2], v[3], v[4]))
	case "header_remove":
		return itoa(hostHeaderRemove(v[0], v[1], v[2]))
	case "body_read":
		return itoa(hostBodyRead(v[0], v[1], v[2]))
	case "body_write":
		return itoa(hostBodyWrite(v[0], v[1], v[2]))
	case "body_size":
		return itoa(hostBodySize(v[0]))
	case "var_get":
		return itoa(hostVarGet(v[0], v[1], v[2], v[3]))
	case "var_set":
		return itoa(hostVarSet(v[0], v[1], v[2], v[3]))
	case "config_get":
		return itoa(hostConfigGet(v[0], v[1]))
	case "log":
		hostLog(int32(v[0]), v[1], v[2])
		return "0"
	case "keyset_open":
		return itoa(hostKeysetOpen(v[0], v[1]))
	case "signature_verify":
		return itoa(hostSignatureVerify(int32(v[0]), v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]))
	case "json_get":
		return itoa(hostJSONGet(v[0], v[1], v[2], v[3], v[4]))
	case "json_leaves":
		return itoa(hostJSONLeaves(v[0], v[1], v[2], v[3]))
	case "regex_compile":
		return itoa(hostRegexCompile(v[0], v[1]))
	case "regex_match":
		return itoa(hostRegexMatch(int32(v[0]), v[1], v[2], v[3], v[4], v[5], v[6]))
	case "regex_find":
		return itoa(hostRegexFind(int32(v[0]), v[1], v[2], v[3], v[4], v[5], v[6]))
	case "patterns_compile":
		return itoa(hostPatternsCompile(v[0], v[1], v[2]))
	case "patterns_scan":
		return itoa(hostPatternsScan(int32(v[0]), v[1], v[2], v[3], v[4], v[5], v[6]))
	case "sqli_check":
		return itoa(hostSQLiCheck(v[0], v[1], v[2], v[3], v[4], v[5]))
	case "xss_check":
		return itoa(hostXSSCheck(v[0], v[1], v[2], v[3]))
	case "trace_context_get":
		return itoa(hostTraceContextGet(v[0], v[1]))
	case "kv_open":
		return itoa(hostKVOpen(v[0], v[1]))
	case "kv_get":
		return itoa(hostKVGet(int32(v[0]), v[1], v[2], v[3], v[4]))
	case "kv_set":
		return itoa(hostKVSet(int32(v[0]), v[1], v[2], v[3], v[4], int32(v[5])))
	case "kv_set_if_absent":
		return itoa(hostKVSetIfAbsent(int32(v[0]), v[1], v[2], v[3], v[4], int32(v[5])))
	case "kv_cas":
		return itoa(hostKVCAS(int32(v[0]), v[1], v[2], v[3], v[4], v[5], v[6], int32(v[7])))
	case "kv_incr":
		return itoa(hostKVIncr(int32(v[0]), v[1], v[2], int32(v[3]), int32(v[4]), v[5], v[6]))
	case "kv_delete":
		return itoa(hostKVDelete(int32(v[0]), v[1], v[2]))
	}
	return "unknown-raw"
}
