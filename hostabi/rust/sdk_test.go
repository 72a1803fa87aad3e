//go:build !wasip1

// Package rust_test runs the Rust SDK (this folder's crate) in Gojinn's
// engine: testdata/probe calls every part of it, and the tests compare
// what each call returned with what the host holds. The probe is built
// from source with Debian's toolchain (`make deps` installs it).
package rust_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/kvstore"
	"github.com/gojinn/gojinn/internal/wasmbuild"
	"github.com/gojinn/gojinn/pipeline"
)

func probe(t *testing.T) []byte {
	t.Helper()
	path, err := wasmbuild.Rust("testdata/probe")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const secret = "a probe secret of 32 bytes or so!"

func chain(t *testing.T, config string) *pipeline.Chain {
	t.Helper()
	keys := filters.NewKeySets(filters.KeySetOptions{})
	t.Cleanup(keys.Close)
	mem, err := kvstore.NewMemory(kvstore.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return filtertest.Chain(t, pipeline.Options{}, filters.Config{
		Name: "probe", Wasm: probe(t), GuestConfig: []byte(config), PoolMin: 1, PoolMax: 1, KeySets: keys,
		KVStores: host.KVStores{"probe": {Name: "probe", Store: mem}},
	})
}

// request is the probe's request: a JSON body, headers of each kind, a
// message and its HMAC (or a wrong one).
func request(path string, goodSig bool) *http.Request {
	r := httptest.NewRequest("POST", path+"?x=1", strings.NewReader(`{"user":{"name":"ada","age":36}}`))
	r.Header.Add("X-Multi", "a")
	r.Header.Add("X-Multi", "b")
	r.Header.Set("X-Long", "longer than four")
	r.Header.Set("X-Remove", "gone")
	r.Header.Set("X-Who", "Ada LOVELACE")
	r.Header["X-Raw"] = []string{"a\xffb"} // not UTF-8: the _into functions keep the bytes
	msg := "signed message"
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(msg))
	sig := mac.Sum(nil)
	if !goodSig {
		sig[0] ^= 1
	}
	r.Header.Set("X-Msg", msg)
	r.Header.Set("X-Sig", hex.EncodeToString(sig))
	return r
}

// report is what the probe reports for request(path, goodSig) after
// calls calls on its instance: regexURI is what its regex set finds in
// the URI, verify what Keyset::verify returned.
func report(calls, path, regexURI, verify string) []string {
	return []string{
		"calls=" + calls,
		"config=cfg",
		"method=POST",
		"uri=" + path + "?x=1",
		"path=" + path,
		"query=x=1",
		"proto=HTTP/1.1",
		"client_addr_has_port=true",
		`get=Some("a")`,
		"get_absent=None",
		`values=["a", "b"]`,
		`names=["Content-Length", "Host", "X-Long", "X-Msg", "X-Multi", "X-Raw", "X-Remove", "X-Sig", "X-Who"]`,
		"method_into=Ok(()) POST",
		"uri_into=Ok(()) " + path + "?x=1",
		"values_into_raw=Ok(true) [97, 255, 98]",
		"values_into_absent=Ok(false) []",
		"names_into=Ok(()) true",
		"get_into_small=Err(BufferTooSmall(16))",
		`get_into=Ok(Some("a"))`,
		"get_into_absent=Ok(None)",
		"set=Ok(())",
		"add=Ok(())",
		"remove=Ok(())",
		"set_invalid=Err(Invalid)",
		"var_unset=None",
		"set_var=Ok(())",
		`var=Some("v1")`,
		"body_size=Ok(32)",
		"body_into=Ok(())",
		`body={"user":{"name":"ada","age":36}}`,
		"body_again=Ok(32)",
		"json_get=Ok(Some((String, [97, 100, 97])))",
		`json_get_number=Ok(Some((Number, "36")))`,
		"json_get_absent=Ok(None)",
		"json_get_is_string=true",
		"regex_is_match=Ok(true)",
		"regex_matches_uri=" + regexURI,
		"regex_matches_into=Ok(()) [0, 1]",
		"regex_find=Ok(Some(RegexMatch { id: 0, start: 1, end: 5 }))",
		"regex_find_none=Ok(None)",
		"patterns_body=Ok([0])",
		"patterns_header=Ok([0, 1])",
		"sqli=Ok(true)",
		`sqli_fingerprint=Ok(Some("s&sos"))`,
		"sqli_fingerprint_none=Ok(None)",
		"xss_body=Ok(false)",
		"xss_too_large=Err(TooLarge)",
		"trace=None",
		"log_enabled_error=false", // the test engine logs nothing
		"verify=" + verify,
		"status_before=0",
		"set_status_invalid=Err(Invalid)",
		"error_display=gojinn: buffer too small, the value is 9 bytes",
		"kv_open_ungranted=Err(NotFound)",
		"kv_get_absent=Ok(None)",
		"kv_set=Ok(())",
		`kv_get=Ok(Some("v"))`,
		"kv_set_if_absent_present=Ok(false)",
		"kv_set_if_absent=Ok(true)",
		"kv_cas=Ok(true)",
		"kv_cas_mismatch=Ok(false)",
		`kv_get_swapped=Ok(Some("w"))`,
		"kv_incr_shared=Ok(" + calls + ")",
		"kv_incr_big=Ok(4294967294)",
		"kv_incr_not_integer=Err(Invalid)",
		"kv_ttl_too_long=Err(Invalid)",
		"kv_delete=Ok(true)",
		"kv_delete_absent=Ok(false)",
	}
}

func TestSDKAgainstTheHost(t *testing.T) {
	t.Setenv("PROBE_SECRET", secret)
	c := chain(t, "cfg")

	// Answered by the filter: the report is the body.
	w := httptest.NewRecorder()
	if err := c.Serve(w, request("/respond", true), func(http.ResponseWriter, *http.Request) error {
		t.Error("an answered request reached the upstream")
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if w.Code != 418 || w.Header().Get("X-Probe") != "answered" {
		t.Errorf("status %d, X-Probe %q: want the filter's answer", w.Code, w.Header().Get("X-Probe"))
	}
	compare(t, strings.Split(strings.TrimSuffix(w.Body.String(), "\n"), "\n"), report("1", "/respond", "Ok([])", "Ok(())"))

	// Continued: the upstream sees the edited headers and the report; the
	// response hook rewrites its answer.
	w = httptest.NewRecorder()
	var seen http.Header
	next := func(w http.ResponseWriter, r *http.Request) error {
		seen = r.Header.Clone()
		w.WriteHeader(200)
		_, err := w.Write([]byte("from upstream"))
		return err
	}
	if err := c.Serve(w, request("/p/a", false), next, nil); err != nil {
		t.Fatal(err)
	}
	if seen == nil {
		t.Fatal("the upstream was not reached")
	}
	if got := seen.Values("X-Set"); strings.Join(got, ",") != "1,2" {
		t.Errorf("upstream X-Set = %q, want [1 2]", got)
	}
	if got := seen.Get("X-Remove"); got != "" {
		t.Errorf("upstream X-Remove = %q, want it removed", got)
	}
	compare(t, strings.Split(seen.Get("X-Report"), "|"), report("2", "/p/a", "Ok([1])", "Err(Signature)"))
	if w.Code != 201 || w.Body.String() != "rewritten: from upstream" || w.Header().Get("X-Upstream-Status") != "200" {
		t.Errorf("response %d %q (X-Upstream-Status %q): the response hook did not run as written",
			w.Code, w.Body, w.Header().Get("X-Upstream-Status"))
	}
}

func TestSDKRefusedConfigure(t *testing.T) {
	_, err := filtertest.Engine(t).Load(context.Background(), filters.Config{
		Name: "probe", Wasm: probe(t), GuestConfig: []byte("refuse"), Timeout: filtertest.PatientTimeout,
	})
	if err == nil || !strings.Contains(err.Error(), "refused as asked") {
		t.Fatalf("load error %v, want the configure error's text", err)
	}
}

func compare(t *testing.T, got, want []string) {
	t.Helper()
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("line %d: got %q, want %q", i, g, w)
		}
	}
}
