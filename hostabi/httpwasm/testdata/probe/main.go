// Command probe is the http-wasm dialect's test guest, built against the
// http-wasm ABI alone (no SDK): each request's X-Probe header names what
// it does, and it reports what it saw in request headers the next
// handler echoes, or in the response. Its config is a list of the
// features to enable at start-up ("buffer_request,buffer_response"), and
// maybe the probe for every request ("op=answer").
package main

import (
	"strconv"
	"strings"
	"unsafe"
)

//go:wasmimport http_handler enable_features
func enableFeatures(features uint32) uint32

//go:wasmimport http_handler get_config
func getConfig(buf, limit uint32) uint32

//go:wasmimport http_handler log
func logMsg(level int32, msg, msgLen uint32)

//go:wasmimport http_handler log_enabled
func logEnabled(level int32) uint32

//go:wasmimport http_handler get_method
func getMethod(buf, limit uint32) uint32

//go:wasmimport http_handler set_method
func setMethod(ptr, n uint32)

//go:wasmimport http_handler get_uri
func getURI(buf, limit uint32) uint32

//go:wasmimport http_handler set_uri
func setURI(ptr, n uint32)

//go:wasmimport http_handler get_protocol_version
func getProtocolVersion(buf, limit uint32) uint32

//go:wasmimport http_handler get_source_addr
func getSourceAddr(buf, limit uint32) uint32

//go:wasmimport http_handler get_header_names
func getHeaderNames(kind, buf, limit uint32) uint64

//go:wasmimport http_handler get_header_values
func getHeaderValues(kind, name, nameLen, buf, limit uint32) uint64

//go:wasmimport http_handler set_header_value
func setHeaderValue(kind, name, nameLen, value, valueLen uint32)

//go:wasmimport http_handler add_header_value
func addHeaderValue(kind, name, nameLen, value, valueLen uint32)

//go:wasmimport http_handler remove_header
func removeHeader(kind, name, nameLen uint32)

//go:wasmimport http_handler read_body
func readBody(kind, buf, limit uint32) uint64

//go:wasmimport http_handler write_body
func writeBody(kind, ptr, n uint32)

//go:wasmimport http_handler get_status_code
func getStatusCode() uint32

//go:wasmimport http_handler set_status_code
func setStatusCode(code uint32)

const (
	kindRequest  = 0
	kindResponse = 1
	kindTrailers = 2

	featureBufferRequest  = 1
	featureBufferResponse = 2
	featureTrailers       = 4

	// hostile is an address past any memory this guest can have.
	hostile = 0xFFFF_FF00
)

// buf is the guest's one buffer for what the host writes: global, so the
// address handed to the host stays valid.
var buf [16 << 10]byte

func ptr(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&b[0])))
}

func sptr(s string) uint32 {
	if s == "" {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(unsafe.StringData(s))))
}

// get calls a (buf, limit) -> len function and returns what it wrote.
func get(fn func(buf, limit uint32) uint32) string {
	n := fn(ptr(buf[:]), uint32(len(buf)))
	if int(n) > len(buf) {
		return "<too long>"
	}
	return string(buf[:n])
}

// list splits count<<32|len NUL-terminated output into its values.
func list(countLen uint64) []string {
	count, n := int(countLen>>32), int(uint32(countLen))
	if n > len(buf) {
		return []string{"<too long>"}
	}
	out := strings.Split(string(buf[:n]), "\x00")
	if len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	if len(out) != count {
		return []string{"<count " + strconv.Itoa(count) + " for " + strconv.Itoa(len(out)) + " values>"}
	}
	return out
}

func values(kind uint32, name string) []string {
	return list(getHeaderValues(kind, sptr(name), uint32(len(name)), ptr(buf[:]), uint32(len(buf))))
}

func set(kind uint32, name, value string) {
	setHeaderValue(kind, sptr(name), uint32(len(name)), sptr(value), uint32(len(value)))
}

func add(kind uint32, name, value string) {
	addHeaderValue(kind, sptr(name), uint32(len(name)), sptr(value), uint32(len(value)))
}

func write(kind uint32, s string) { writeBody(kind, sptr(s), uint32(len(s))) }

// readAll reads a body in small chunks, as a streaming guest would.
func readAll(kind uint32) string {
	var out []byte
	var chunk [7]byte
	for {
		eofLen := readBody(kind, ptr(chunk[:]), uint32(len(chunk)))
		out = append(out, chunk[:uint32(eofLen)]...)
		if eofLen>>32 == 1 {
			return string(out)
		}
	}
}

func init() {
	config := get(getConfig)
	var want uint32
	for _, f := range strings.Split(config, ",") {
		if o, ok := strings.CutPrefix(f, "op="); ok {
			fixedOp = o
		}
		switch f {
		case "buffer_request":
			want |= featureBufferRequest
		case "buffer_response":
			want |= featureBufferResponse
		case "trailers":
			want |= featureTrailers
		}
	}
	enabled = enableFeatures(want)
}

// enabled is what enable_features granted at start-up; fixedOp, when
// the config sets one ("op=answer"), is the probe of every request.
var (
	enabled uint32
	fixedOp string
)

// requests counts handle_request calls; lastCtx is the context the last
// one handed out and op its probe, for handle_response to check that it
// runs on the same instance.
var (
	requests uint32
	lastCtx  uint32
	op       string
)

//go:wasmexport handle_request
func handleRequest() uint64 {
	requests++
	op = fixedOp
	if vs := values(kindRequest, "x-probe"); op == "" && len(vs) > 0 {
		op = vs[0]
	}
	switch {
	case op == "request":
		// Everything read before anything is set.
		got := [][2]string{
			{"X-Got-Names", strings.Join(list(getHeaderNames(kindRequest, ptr(buf[:]), uint32(len(buf)))), ",")},
			{"X-Got-Method", get(getMethod)},
			{"X-Got-URI", get(getURI)},
			{"X-Got-Proto", get(getProtocolVersion)},
			{"X-Got-Addr", get(getSourceAddr)},
			{"X-Got-Multi", strings.Join(values(kindRequest, "X-MULTI"), ",")},
			{"X-Got-Absent", strconv.Itoa(len(values(kindRequest, "x-absent")))},
			{"X-Got-Config", get(getConfig)},
			{"X-Got-Features", strconv.Itoa(int(enabled))},
		}
		for _, g := range got {
			set(kindRequest, g[0], g[1])
		}
		m := "PATCH"
		setMethod(sptr(m), uint32(len(m)))
		u := "/rewritten?q=a%26b"
		setURI(sptr(u), uint32(len(u)))
		add(kindRequest, "X-Added", "one")
		add(kindRequest, "X-Added", "two")
		n := "x-remove"
		removeHeader(kindRequest, sptr(n), uint32(len(n)))
		return 1
	case op == "body":
		body := readAll(kindRequest)
		write(kindRequest, "<")
		write(kindRequest, body)
		write(kindRequest, ">")
		return 1
	case op == "pieces" || op == "too-big":
		// A body written in many pieces, then read back.
		n := 300
		if op == "too-big" {
			n = 2000 // 2 MB, over the chain's 1 MiB
		}
		piece := strings.Repeat("0123456789", 100)
		for range n {
			write(kindRequest, piece)
		}
		set(kindRequest, "X-Readback-Len", strconv.Itoa(len(readAll(kindRequest))))
		return 1
	case op == "answer":
		setStatusCode(418)
		set(kindResponse, "X-Answer", "yes")
		write(kindResponse, "short")
		write(kindResponse, "-circuit")
		return 1 // writing the response made it the answer: next is skipped
	case op == "empty-answer":
		return 0
	case op == "early-header":
		set(kindResponse, "X-Early", "1")
		return 1
	case op == "features":
		set(kindRequest, "X-Got-Features", strconv.Itoa(int(enableFeatures(featureBufferRequest|featureTrailers))))
		return 1
	case op == "log":
		msg := "probe says hello"
		logMsg(1, sptr(msg), uint32(len(msg)))
		set(kindRequest, "X-Log-Enabled", strconv.Itoa(int(logEnabled(-1)))+","+strconv.Itoa(int(logEnabled(2))))
		return 1
	case op == "response" || op == "late-method" || op == "response-trap":
		lastCtx = requests
		return uint64(lastCtx)<<32 | 1
	case op == "next7":
		return 7
	case op == "trailers":
		getHeaderNames(kindTrailers, ptr(buf[:]), uint32(len(buf)))
		return 1
	case op == "invalid-header":
		set(kindRequest, "Bad Name", "x")
		return 1
	case op == "invalid-status":
		setStatusCode(99)
		return 0
	case strings.HasPrefix(op, "oob:"):
		oob(op[len("oob:"):])
		return 1
	}
	return 1
}

// oob calls the named host function with a buffer outside memory.
func oob(fn string) {
	switch fn {
	case "get_config":
		getConfig(hostile, 4096)
	case "log":
		logMsg(0, hostile, 4096)
	case "get_method":
		getMethod(hostile, 4096)
	case "set_method":
		setMethod(hostile, 4096)
	case "get_uri":
		getURI(hostile, 4096)
	case "set_uri":
		setURI(hostile, 4096)
	case "get_protocol_version":
		getProtocolVersion(hostile, 4096)
	case "get_source_addr":
		getSourceAddr(hostile, 4096)
	case "get_header_names":
		getHeaderNames(kindRequest, hostile, 4096)
	case "get_header_values":
		getHeaderValues(kindRequest, hostile, 4096, ptr(buf[:]), uint32(len(buf)))
	case "get_header_values/buf":
		n := "x-probe"
		getHeaderValues(kindRequest, sptr(n), uint32(len(n)), hostile, 4096)
	case "set_header_value":
		n := "x-a"
		setHeaderValue(kindRequest, sptr(n), uint32(len(n)), hostile, 4096)
	case "add_header_value":
		addHeaderValue(kindRequest, hostile, 4096, ptr(buf[:]), 1)
	case "remove_header":
		removeHeader(kindRequest, hostile, 4096)
	case "read_body":
		readBody(kindRequest, hostile, 4096)
	case "write_body":
		writeBody(kindResponse, hostile, 4096)
	}
}

//go:wasmexport handle_response
func handleResponse(reqCtx, isError uint32) {
	switch op {
	case "late-method":
		m := "PUT"
		setMethod(sptr(m), uint32(len(m)))
		return
	case "response-trap":
		panic("handle_response fails")
	case "response":
	default:
		return
	}
	same := "no"
	if reqCtx == lastCtx && reqCtx == requests {
		same = "yes"
	}
	set(kindResponse, "X-Same-Instance", same)
	set(kindResponse, "X-Is-Error", strconv.Itoa(int(isError)))
	set(kindResponse, "X-Route-Status", strconv.Itoa(int(getStatusCode())))
	set(kindResponse, "X-Route-Header", strings.Join(values(kindResponse, "x-route"), ","))
	if enabled&featureBufferResponse != 0 {
		body := readAll(kindResponse)
		setStatusCode(201)
		write(kindResponse, strings.ToUpper(body))
		write(kindResponse, "!")
	}
}

func main() {}
