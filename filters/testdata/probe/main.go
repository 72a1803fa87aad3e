// Command probe is the test guest of the filters and pipeline tests: each
// request names, in X-Op, one thing for it to do, so that one module
// covers every host function and every fault.
package main

import (
	cryptorand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"strconv"
	"strings"
	"unsafe"

	"github.com/gojinn/gojinn/hostabi/guest"
)

type config struct {
	Refuse         string `json:"refuse"`
	PanicConfigure bool   `json:"panic_configure"`
	Response       bool   `json:"response"`
	BufferResponse bool   `json:"buffer_response"`
	Tag            string `json:"tag"`
	Op             string `json:"op"`
	Arg            string `json:"arg"`
	ResponseOp     string `json:"response_op"`
	Count          int    `json:"count"`
}

var cfg config

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest})
}

func configure(raw []byte) error {
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return err
		}
	}
	requests = cfg.Count
	if cfg.PanicConfigure {
		panic("configure panics on purpose")
	}
	if cfg.Refuse != "" {
		return errors.New(cfg.Refuse)
	}
	if cfg.Response {
		guest.Register(guest.Filter{
			Configure:          configure,
			OnRequest:          onRequest,
			OnResponse:         onResponse,
			BufferResponseBody: cfg.BufferResponse,
		})
	}
	return nil
}

func reply(status int, body string) guest.Action {
	guest.Response.Header.Set("Content-Type", "text/plain")
	return guest.RespondWith(status, []byte(body))
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// Raw imports with integer pointers, to hand the host bad ones.
//
//go:wasmimport gojinn header_get
func rawHeaderGet(kind, name, nameLen, buf, limit uint32) int32

//go:wasmimport gojinn body_write
func rawBodyWrite(kind, ptr, n uint32) int32

//go:wasmimport gojinn var_set
func rawVarSet(name, nameLen, val, valLen uint32) int32

var sink [][]byte

// requests counts the "count" ops this instance served; configure sets
// it from the config's "count", so that a snapshot holds a non-zero one.
var requests int

func onRequest() guest.Action {
	h := guest.Request.Header
	op, arg := cfg.Op, cfg.Arg
	if op == "" {
		op, arg = h.Get("X-Op"), h.Get("X-Arg")
	}
	if cfg.Tag != "" {
		h.Add("X-Tags", cfg.Tag)
	}
	switch op {
	case "":
		return guest.Continue
	case "method":
		return reply(200, guest.Method())
	case "set-method":
		if err := guest.SetMethod(arg); err != nil {
			return reply(400, err.Error())
		}
		return guest.Continue
	case "uri":
		return reply(200, guest.URI()+"|"+guest.Path()+"|"+guest.RawQuery())
	case "set-uri":
		if err := guest.SetURI(arg); err != nil {
			return reply(400, err.Error())
		}
		return guest.Continue
	case "proto":
		return reply(200, guest.Proto())
	case "client":
		return reply(200, guest.ClientAddr())
	case "header-get":
		v, ok := h.Lookup(arg)
		return reply(200, strconv.FormatBool(ok)+"|"+v+"|"+strings.Join(h.Values(arg), ","))
	case "header-len":
		return reply(200, strconv.Itoa(len(h.Get(arg))))
	case "header-names":
		return reply(200, strings.Join(h.Names(), ","))
	case "append":
		return reply(200, appendMatches(arg))
	case "header-set", "header-add":
		name, value, _ := strings.Cut(arg, "=")
		var err error
		if op == "header-set" {
			err = h.Set(name, value)
		} else {
			err = h.Add(name, value)
		}
		if err != nil {
			return reply(400, err.Error())
		}
		return guest.Continue
	case "header-set-big":
		n, _ := strconv.Atoi(arg)
		return reply(200, errText(h.Set("X-Big", strings.Repeat("a", n))))
	case "header-remove":
		if err := h.Remove(arg); err != nil {
			return reply(400, err.Error())
		}
		return guest.Continue
	case "body":
		b, err := guest.Request.Body()
		if err != nil {
			return reply(200, "error: "+err.Error())
		}
		return reply(200, "len="+strconv.Itoa(len(b))+" sum="+checksum(b))
	case "body-peek":
		b, err := guest.Request.Body()
		h.Set("X-Body-Len", strconv.Itoa(len(b)))
		h.Set("X-Body-Err", errText(err))
		return guest.Continue
	case "body-write":
		n, err := strconv.Atoi(arg)
		if err != nil {
			return reply(200, errText(guest.Request.SetBody([]byte(arg))))
		}
		if err := guest.Request.SetBody([]byte(strings.Repeat("b", n))); err != nil {
			return reply(200, "error: "+err.Error())
		}
		return guest.Continue
	case "var-set":
		name, value, _ := strings.Cut(arg, "=")
		if err := guest.SetVar(name, value); err != nil {
			return reply(400, err.Error())
		}
		return guest.Continue
	case "var-get":
		v, ok := guest.Var(arg)
		return reply(200, strconv.FormatBool(ok)+"|"+v)
	case "var-many":
		n, _ := strconv.Atoi(arg)
		for i := 0; i < n; i++ {
			if err := guest.SetVar("v"+strconv.Itoa(i), "x"); err != nil {
				return reply(200, "error at "+strconv.Itoa(i)+": "+err.Error())
			}
		}
		return reply(200, "ok")
	case "config":
		return reply(200, string(guest.Config()))
	case "traceparent":
		tp, ok := guest.TraceParent()
		if !ok {
			return reply(200, "none")
		}
		return reply(200, tp)
	case "log":
		guest.Log(guest.LevelWarn, "probe says "+arg)
		return reply(200, strconv.FormatBool(guest.LogEnabled(guest.LevelDebug)))
	case "respond":
		code, _ := strconv.Atoi(arg)
		guest.Response.Header.Set("X-From", "probe")
		guest.Response.Header.Add("Set-Cookie", "a=1")
		guest.Response.Header.Add("Set-Cookie", "b=2")
		return guest.RespondWith(code, []byte("answered by probe\n"))
	case "status-bad":
		return reply(200, errText(guest.Response.SetStatus(42)))
	case "features":
		// features_set is for configure only.
		return reply(200, errText(guest.Response.SetStatus(200)))
	case "panic":
		panic("probe panics on purpose")
	case "loop":
		for i := 0; ; i++ {
			if i < 0 {
				break
			}
		}
		return guest.Continue
	case "grow":
		for {
			sink = append(sink, make([]byte, 1<<20))
		}
	case "alloc":
		// One allocation of arg MiB: past the memory limit, a single
		// memory.grow is refused.
		n, _ := strconv.Atoi(arg)
		sink = append(sink, make([]byte, n<<20))
		return reply(200, "allocated")
	case "count":
		// State that lives in the instance: a restored instance starts
		// from the snapshot's, then goes its own way.
		requests++
		return reply(200, strconv.Itoa(requests))
	case "rand":
		// What a guest draws after restore: crypto/rand asks the host
		// each time; math/rand/v2's generator was seeded before the
		// snapshot, so restored instances share its sequence.
		var b [8]byte
		if _, err := cryptorand.Read(b[:]); err != nil {
			return reply(500, err.Error())
		}
		return reply(200, hex.EncodeToString(b[:])+"|"+strconv.FormatUint(mathrand.Uint64(), 16))
	case "bad-action":
		return guest.Action(7)
	case "oob-header":
		rawHeaderGet(0, 0xFFFFFFF0, 64, 0, 0)
		return reply(200, "survived")
	case "oob-buffer":
		name := "X-Op"
		rawHeaderGet(0, uint32(uintptr(unsafe.Pointer(unsafe.StringData(name)))), uint32(len(name)), 0xFFFF0000, 0x10000000)
		return reply(200, "survived")
	case "oob-body":
		rawBodyWrite(0, 0x7FFFFFFF, 0x7FFFFFFF)
		return reply(200, "survived")
	case "oob-var":
		rawVarSet(0, 0xFFFFFFFF, 0, 1)
		return reply(200, "survived")
	case "bad-kind":
		name := "X-Op"
		r := rawHeaderGet(9, uint32(uintptr(unsafe.Pointer(unsafe.StringData(name)))), uint32(len(name)), 0, 0)
		return reply(200, strconv.Itoa(int(r)))
	}
	return reply(400, "unknown op "+op)
}

func onResponse() guest.Action {
	h := guest.Response.Header
	h.Set("X-Probe-Saw-Status", strconv.Itoa(guest.Response.Status()))
	if cfg.Tag != "" {
		h.Add("X-Hooks", cfg.Tag)
	}
	switch cfg.ResponseOp {
	case "read":
		b, err := guest.Response.Body()
		h.Set("X-Body-Len", strconv.Itoa(len(b)))
		h.Set("X-Body-Err", errText(err))
	case "replace":
		if err := guest.Response.SetBody([]byte("replaced by probe\n")); err != nil {
			h.Set("X-Body-Err", err.Error())
		}
	case "upper":
		b, err := guest.Response.Body()
		if err != nil {
			h.Set("X-Body-Err", err.Error())
			return guest.Continue
		}
		guest.Response.SetBody([]byte(strings.ToUpper(string(b))))
	case "mask-500":
		if guest.Response.Status() >= 500 {
			guest.Response.SetStatus(502)
			h.Set("Content-Type", "text/plain")
			return guest.RespondWith(502, []byte("clean error page\n"))
		}
	case "answer":
		return guest.Respond
	case "panic":
		panic("probe panics in the response phase")
	}
	return guest.Continue
}

// checksum is a cheap digest so that a test can compare large bodies.
func checksum(b []byte) string {
	var h uint32 = 2166136261
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return strconv.FormatUint(uint64(h), 16)
}

func main() {}

// appendMatches checks the SDK's Append functions against the ones that
// allocate, into a full buffer (so that they must grow it) and into a
// roomy one, each behind a prefix they must keep. It returns "ok" or the
// first mismatch. name is a header the request carries; the probe adds a
// second, two-valued one.
func appendMatches(name string) string {
	h := guest.Request.Header
	h.Add("X-Multi", "one")
	h.Add("X-Multi", "two")
	body, bodyErr := guest.Request.Body()
	for _, dst := range [][]byte{[]byte("pre:"), append(make([]byte, 0, 1<<16), "pre:"...)} {
		check := func(what string, got []byte, want string) string {
			if string(got) != "pre:"+want {
				return fmt.Sprintf("%s (cap %d): got %q, want %q", what, cap(dst), got, "pre:"+want)
			}
			return ""
		}
		if m := check("uri", guest.AppendURI(dst), guest.URI()); m != "" {
			return m
		}
		if m := check("names", h.AppendNames(dst), strings.Join(h.Names(), "\x00")); m != "" {
			return m
		}
		for _, n := range []string{name, "X-Multi"} {
			got, ok := h.AppendValues(dst, n)
			if !ok {
				return "values of " + n + ": absent"
			}
			if m := check("values of "+n, got, strings.Join(h.Values(n), "\x00")); m != "" {
				return m
			}
		}
		if got, ok := h.AppendValues(dst, "X-Absent"); ok || string(got) != "pre:" {
			return fmt.Sprintf("values of an absent header: %q %v", got, ok)
		}
		got, err := guest.Request.AppendBody(dst)
		if err != bodyErr {
			return fmt.Sprintf("body: error %v, want %v", err, bodyErr)
		}
		if m := check("body", got, string(body)); m != "" {
			return m
		}
	}
	return "ok"
}
