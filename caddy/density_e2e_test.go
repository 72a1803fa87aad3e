package gojinn

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// manySites is a Caddyfile of n sites on one port, each with a chain of
// three filters from two modules; sites below shared use one greeting
// (one snapshot for all of them), the rest one each.
func manySites(t *testing.T, up *upstream, n, shared int, idleTimeout string) string {
	hello, secheaders := helloWasm(t), secheadersWasm(t)
	var b strings.Builder
	fmt.Fprintf(&b, "{\n\tadmin localhost:%d\n\thttp_port %d\n\tskip_install_trust\n\tmetrics\n}\n", adminPort, caddyPort)
	for i := range n {
		greeting := "hi"
		if i >= shared {
			greeting = "hi" + strconv.Itoa(i)
		}
		fmt.Fprintf(&b, `http://site%d.test:%d {
	gojinn_chain {
		name site%d
		filter hello2 %s {
			config `+"`"+`{"greeting": "first"}`+"`"+`
			idle_timeout %s
			%s
		}
		filter secheaders %s {
			%s
		}
		filter hello %s {
			config `+"`"+`{"greeting": %q}`+"`"+`
			idle_timeout %s
			%s
		}
	}
	reverse_proxy %s
}
`, i, caddyPort, i, hello, idleTimeout, patient, secheaders, patient, hello, greeting, idleTimeout, patient, strings.TrimPrefix(up.URL, "http://"))
	}
	return b.String()
}

func siteGet(t *testing.T, tc *caddytest.Tester, site int, name string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://localhost:%d/", caddyPort), nil)
	req.Host = fmt.Sprintf("site%d.test:%d", site, caddyPort)
	req.Header.Set("X-Name", name)
	resp, err := tc.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metricValue returns the value of the metric line that starts with
// prefix (name and labels), and whether there is one.
func metricValue(t *testing.T, tc *caddytest.Tester, prefix string) (float64, bool) {
	t.Helper()
	resp, err := tc.Client.Get(fmt.Sprintf("http://localhost:%d/metrics", adminPort))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, prefix+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}

var helloSays = regexp.MustCompile(`"X-Hello":\["([^"]*)"\]`)

// TestCaddyManySitesShareSnapshots: sites with the same filters and
// configs share a snapshot each, hold no instance until their first
// request, answer from restored instances, survive a reload without
// configuring anything again, take a burst from zero, and give idle
// instances back.
func TestCaddyManySitesShareSnapshots(t *testing.T) {
	up := newUpstream(t)
	tc := newTester(t)
	const sites, shared = 12, 8
	config := manySites(t, up, sites, shared, "2m")
	tc.InitServer(config, "caddyfile")
	eng, _ := sharedEngine()
	// Two modules; snapshots: hello "first", secheaders, hello "hi"
	// (shared), and hello "hiN" for each unshared site.
	if got, want := eng.Snapshots(), 3+sites-shared; got != want {
		t.Errorf("%d snapshots for %d sites, want %d", got, sites, want)
	}
	for i := range sites {
		if v, _ := metricValue(t, tc, fmt.Sprintf(`gojinn_filter_instances{chain="site%d",filter="hello",state="idle"}`, i)); v != 0 {
			t.Fatalf("site %d holds %v idle instances before any request", i, v)
		}
	}
	fresh := func() float64 {
		var sum float64
		for i := range sites {
			for _, f := range []string{"hello", "secheaders", "hello2"} {
				v, _ := metricValue(t, tc, fmt.Sprintf(`gojinn_filter_instances_started_total{chain="site%d",filter="%s",from="fresh"}`, i, f))
				sum += v
			}
		}
		return sum
	}
	before := fresh()
	for i := range sites {
		code, body := siteGet(t, tc, i, "ada")
		want := "hi, ada"
		if i >= shared {
			want = fmt.Sprintf("hi%d, ada", i)
		}
		if m := helloSays.FindStringSubmatch(body); code != 200 || m == nil || m[1] != want {
			t.Fatalf("site %d: %d %s; want X-Hello %q", i, code, body, want)
		}
	}
	if v, _ := metricValue(t, tc, `gojinn_filter_instances_started_total{chain="site0",filter="hello",from="snapshot"}`); v < 1 {
		t.Fatalf("site 0 started %v instances from the snapshot", v)
	}
	if got := fresh(); got != before {
		t.Fatalf("requests started %v instances from scratch; all should be restored", got-before)
	}

	// A reload with nothing changed configures nothing again.
	snapshots := eng.Snapshots()
	tc.InitServer(config, "caddyfile")
	if got := eng.Snapshots(); got != snapshots {
		t.Errorf("a reload changed the snapshots from %d to %d", snapshots, got)
	}
	if code, _ := siteGet(t, tc, 3, "bob"); code != 200 {
		t.Fatalf("after the reload: %d", code)
	}

	// A burst of 64 at once on a site with no instance: all answered.
	var wg sync.WaitGroup
	codes := make(chan int, 64)
	for range 64 {
		wg.Go(func() {
			code, _ := siteGet(t, tc, 1, "burst")
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != 200 {
			t.Fatalf("a request of the burst got %d", code)
		}
	}
}

// TestCaddyIdleInstancesReaped: after the idle timeout, a site's
// instances are closed; the next request is served by a restored one.
func TestCaddyIdleInstancesReaped(t *testing.T) {
	up := newUpstream(t)
	tc := newTester(t)
	tc.InitServer(manySites(t, up, 1, 1, "50ms"), "caddyfile")
	if code, _ := siteGet(t, tc, 0, "ada"); code != 200 {
		t.Fatal(code)
	}
	live := func() float64 {
		idle, _ := metricValue(t, tc, `gojinn_filter_instances{chain="site0",filter="hello",state="idle"}`)
		busy, _ := metricValue(t, tc, `gojinn_filter_instances{chain="site0",filter="hello",state="busy"}`)
		return idle + busy
	}
	// A guard against a hang, not a timing assertion.
	for give := time.Now().Add(30 * time.Second); live() > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(give) {
			t.Fatalf("%v instances still live", live())
		}
	}
	if v, _ := metricValue(t, tc, `gojinn_filter_instances_reaped_total{chain="site0",filter="hello"}`); v < 1 {
		t.Fatalf("reaped %v instances", v)
	}
	if code, _ := siteGet(t, tc, 0, "again"); code != 200 {
		t.Fatalf("after reaping: %d", code)
	}
}
