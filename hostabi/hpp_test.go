//go:build !wasip1

package hostabi_test

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
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/wasmbuild"
	"github.com/gojinn/gojinn/pipeline"
)

// The tests in this file run gojinn.hpp in Gojinn's engine: testdata/
// hppprobe calls every part of it, and the tests compare what each call
// returned with what the host holds. The probe is built from source with
// clang++ and libc++ (`make deps` installs them).

const hppSecret = "a probe secret of 32 bytes or so!"

func hppProbe(t *testing.T) []byte {
	t.Helper()
	path, err := wasmbuild.CXX("testdata/hppprobe/probe.cpp")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hppRequest(path string, goodSig bool) *http.Request {
	r := httptest.NewRequest("POST", path+"?x=1", strings.NewReader(`{"user":"ada"}`))
	r.Header.Add("X-Multi", "a")
	r.Header.Add("X-Multi", "b")
	r.Header.Set("X-Long", "longer than four")
	r.Header.Set("X-Remove", "gone")
	msg := "signed message"
	mac := hmac.New(sha256.New, []byte(hppSecret))
	mac.Write([]byte(msg))
	sig := mac.Sum(nil)
	if !goodSig {
		sig[0] ^= 1
	}
	r.Header.Set("X-Msg", msg)
	r.Header.Set("X-Sig", hex.EncodeToString(sig))
	return r
}

func hppReport(calls, path, verify string) []string {
	return []string{
		"calls=" + calls,
		"config=cfg",
		"config_get=cfg",
		"method=POST",
		"uri=" + path + "?x=1",
		"path=" + path,
		"query=x=1",
		"proto=HTTP/1.1",
		"client_addr_has_port=true",
		"get=some:a",
		"get_absent=none",
		"get_kept=longer than four",
		"values=[a,b]",
		"names=[Content-Length,Host,X-Long,X-Msg,X-Multi,X-Remove,X-Sig]",
		"get_into_small=buffer too small 16",
		"get_into=ok a",
		"get_into_absent=not found",
		"set=ok",
		"add=ok",
		"remove=ok",
		"set_invalid=invalid argument",
		"var_unset=none",
		"set_var=ok",
		"var=some:v1",
		"body_size=ok 14",
		`body=ok {"user":"ada"}`,
		"log_enabled_error=false", // the test engine logs nothing
		"verify=" + verify,
		"status_before=0",
		"set_status_invalid=invalid argument",
		"set_status_negative=invalid argument",
	}
}

func TestCXXLayerAgainstTheHost(t *testing.T) {
	t.Setenv("PROBE_SECRET", hppSecret)
	keys := filters.NewKeySets(filters.KeySetOptions{})
	t.Cleanup(keys.Close)
	c := filtertest.Chain(t, pipeline.Options{}, filters.Config{
		Name: "probe", Wasm: hppProbe(t), GuestConfig: []byte("cfg"), PoolMin: 1, PoolMax: 1, KeySets: keys,
	})

	w := httptest.NewRecorder()
	if err := c.Serve(w, hppRequest("/respond", true), func(http.ResponseWriter, *http.Request) error {
		t.Error("an answered request reached the upstream")
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if w.Code != 418 || w.Header().Get("X-Probe") != "answered" {
		t.Errorf("status %d, X-Probe %q: want the filter's answer", w.Code, w.Header().Get("X-Probe"))
	}
	compareLines(t, strings.Split(strings.TrimSuffix(w.Body.String(), "\n"), "\n"), hppReport("1", "/respond", "ok"))

	w = httptest.NewRecorder()
	var seen http.Header
	next := func(w http.ResponseWriter, r *http.Request) error {
		seen = r.Header.Clone()
		w.WriteHeader(200)
		_, err := w.Write([]byte("from upstream"))
		return err
	}
	if err := c.Serve(w, hppRequest("/p", false), next, nil); err != nil {
		t.Fatal(err)
	}
	if seen == nil {
		t.Fatal("the upstream was not reached")
	}
	if got := strings.Join(seen.Values("X-Set"), ","); got != "1,2" || seen.Get("X-Remove") != "" {
		t.Errorf("upstream X-Set %q, X-Remove %q: want 1,2 and none", got, seen.Get("X-Remove"))
	}
	compareLines(t, strings.Split(seen.Get("X-Report"), "|"), hppReport("2", "/p", "signature does not verify"))
	if w.Code != 201 || w.Body.String() != "rewritten: from upstream" || w.Header().Get("X-Upstream-Status") != "200" {
		t.Errorf("response %d %q (X-Upstream-Status %q): the response hook did not run as written",
			w.Code, w.Body, w.Header().Get("X-Upstream-Status"))
	}
}

func TestCXXLayerRefusedConfigure(t *testing.T) {
	_, err := filtertest.Engine(t).Load(context.Background(), filters.Config{
		Name: "probe", Wasm: hppProbe(t), GuestConfig: []byte("refuse"), Timeout: filtertest.PatientTimeout,
	})
	if err == nil || !strings.Contains(err.Error(), "refused as asked") {
		t.Fatalf("load error %v, want the configure error's text", err)
	}
}

func compareLines(t *testing.T, got, want []string) {
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
