// Command kvprobe calls every method of the Go SDK's Store and answers
// with what each returned, one "name=value" line each, for
// hostabi/guest/kv_test.go to compare.
package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gojinn/gojinn/hostabi/guest"
)

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest})
}

func main() {}

var (
	store        guest.Store
	ungrantedErr error
	calls        int
	kept         = make([]byte, 0, 2) // AppendGet's buffer, kept between requests
)

func configure([]byte) error {
	_, ungrantedErr = guest.OpenStore("ungranted")
	var err error
	store, err = guest.OpenStore("probe")
	return err
}

func onRequest() guest.Action {
	calls++
	var r []string
	add := func(name string, v ...any) { r = append(r, name+"="+fmt.Sprint(v...)) }
	// Keys of this request's own, but for the shared count.
	k := func(name string) string { return name + "-" + strconv.Itoa(calls) }
	hour := time.Hour
	add("ungranted", ungrantedErr)
	v, ok, err := store.Get(k("a"))
	add("get_absent", string(v), " ", ok, " ", err)
	add("set", store.Set(k("a"), []byte("value"), hour))
	v, ok, err = store.Get(k("a"))
	add("get", string(v), " ", ok, " ", err)
	kept, ok, err = store.AppendGet(kept[:0], k("a"))
	add("append_get_grown", string(kept), " ", ok, " ", err)
	set, err := store.SetIfAbsent(k("a"), []byte("x"), hour)
	add("set_if_absent_present", set, " ", err)
	set, err = store.SetIfAbsent(k("b"), []byte("y"), 0)
	add("set_if_absent", set, " ", err)
	swapped, err := store.CompareAndSwap(k("a"), []byte("value"), []byte("w"), hour)
	add("cas", swapped, " ", err)
	swapped, err = store.CompareAndSwap(k("a"), []byte("value"), []byte("z"), hour)
	add("cas_mismatch", swapped, " ", err)
	n, err := store.Incr("count", 1, hour)
	add("incr_shared", n, " ", err)
	_ = store.Set(k("big"), []byte("4294967296"), 0)
	n, err = store.Incr(k("big"), -2, 0)
	add("incr_big", n, " ", err)
	_, err = store.Incr(k("a"), 1, 0)
	add("incr_not_integer", err)
	add("ttl_too_long", store.Set(k("c"), []byte("v"), 30*24*time.Hour))
	add("ttl_under_a_millisecond", store.Set(k("c"), []byte("v"), time.Microsecond))
	deleted, err := store.Delete(k("a"))
	add("delete", deleted, " ", err)
	deleted, err = store.Delete(k("a"))
	add("delete_absent", deleted, " ", err)
	return guest.RespondWith(200, []byte(strings.Join(r, "\n")+"\n"))
}
