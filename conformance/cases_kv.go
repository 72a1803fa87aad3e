package conformance

import (
	"strconv"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// The key-value stores. Every case opens the host's stores in configure:
// StoreKV (handle 0 unless the case says otherwise) answers, StoreDown
// never does (fail_open). TTLs are not waited out here: an expiry is
// the store's (internal/kvstore tests it on a clock of its own); these
// cases check what the ABI says of ttl_ms.
func kvCases() []Case {
	open := "configure kv_open " + StoreKV
	openDown := "configure kv_open " + StoreDown
	kv := func(steps ...string) string { return Script(append([]string{open}, steps...)...) }
	maxValue := strings.Repeat("x", hostabi.MaxKVValueLen)
	var tooMany []string
	var tooManyWant []string
	for i := range hostabi.MaxKVStores {
		tooMany = append(tooMany, open)
		tooManyWant = append(tooManyWant, strconv.Itoa(i))
	}
	tooMany = append(tooMany, open)
	tooManyWant = append(tooManyWant, "-3")
	return []Case{
		{Func: hostabi.FuncKVOpen, Name: "granted", Script: Script(open, openDown), Want: Report("0", "1")},
		{Func: hostabi.FuncKVOpen, Name: "the same store twice", Script: Script(open, open, "kv_set 0 k v 0", "kv_get 1 k 4"),
			Want: Report("0", "1", "0", Data("v"))},
		{Func: hostabi.FuncKVOpen, Name: "not granted", Script: "configure kv_open nope", Want: "-1"},
		{Func: hostabi.FuncKVOpen, Name: "names are case-sensitive", Script: "configure kv_open KV", Want: "-1"},
		{Func: hostabi.FuncKVOpen, Name: "empty name", Script: "configure kv_open ''", Want: "-2"},
		{Func: hostabi.FuncKVOpen, Name: "over maximum name length", Script: "configure kv_open n*65", Want: "-2"},
		{Func: hostabi.FuncKVOpen, Name: "maximum count", Script: Script(tooMany...), Want: Report(tooManyWant...)},
		{Func: hostabi.FuncKVOpen, Name: "request phase", Script: "kv_open " + StoreKV, Want: "-4"},
		{Func: hostabi.FuncKVOpen, Name: "reason of a refused config", Script: Script("configure kv_open nope", "configure refuse"),
			LoadError: `store "nope" is not granted`},

		{Func: hostabi.FuncKVGet, Name: "missing", Script: kv("kv_get 0 k 16"), Want: Report("0", "-1")},
		{Func: hostabi.FuncKVGet, Name: "normal", Script: kv("kv_set 0 k v 0", "kv_get 0 k 16"), Want: Report("0", "0", Data("v"))},
		{Func: hostabi.FuncKVGet, Name: "bytes, NUL included", Script: kv("kv_set 0 k a%00b%FF 0", "kv_get 0 k 16"),
			Want: Report("0", "0", Data("a\x00b\xff"))},
		{Func: hostabi.FuncKVGet, Name: "too small, then retried", Script: kv("kv_set 0 k hello 0", "kv_get 0 k 2", "kv_get 0 k 5"),
			Want: Report("0", "0", "5", Data("hello"))},
		{Func: hostabi.FuncKVGet, Name: "zero limit", Script: kv("kv_set 0 k hello 0", "kv_get 0 k 0"), Want: Report("0", "0", "5")},
		{Func: hostabi.FuncKVGet, Name: "empty value", Script: kv("kv_set 0 k '' 0", "kv_get 0 k 4"), Want: Report("0", "0", "0")},
		{Func: hostabi.FuncKVGet, Name: "keys are bytes", Script: kv("kv_set 0 K upper 0", "kv_get 0 k 8"), Want: Report("0", "0", "-1")},
		{Func: hostabi.FuncKVGet, Name: "from an earlier filter", Script: kv("kv_set 0 shared chain 0", "continue"),
			Then: kv("kv_get 0 shared 16"), Want: Report("0", Data("chain"))},
		{Func: hostabi.FuncKVGet, Name: "store down", Script: Script(openDown, "kv_get 0 k 16"), Want: Report("0", "-6")},
		{Func: hostabi.FuncKVGet, Name: "no such store", Script: "kv_get 0 k 16", Want: "-1"},
		{Func: hostabi.FuncKVGet, Name: "negative handle", Script: kv("kv_get -1 k 16"), Want: Report("0", "-1")},
		{Func: hostabi.FuncKVGet, Name: "largest handle", Script: kv("kv_get 0x7FFFFFFF k 16"), Want: Report("0", "-1")},
		{Func: hostabi.FuncKVGet, Name: "empty key", Script: kv("kv_get 0 '' 16"), Want: Report("0", "-2")},
		{Func: hostabi.FuncKVGet, Name: "over maximum key length", Script: kv("kv_get 0 k*1025 16"), Want: Report("0", "-3")},
		{Func: hostabi.FuncKVGet, Name: "configure phase", Script: Script(open, "configure kv_get 0 k 16"), Want: Report("0", "-4")},
		{Func: hostabi.FuncKVGet, Name: "response phase", Script: kv("continue", "response kv_set 0 k late 0", "response kv_get 0 k 8"),
			Continues: true, Want: "0", ResponseWant: Report("0", Data("late"))},

		{Func: hostabi.FuncKVSet, Name: "replace", Script: kv("kv_set 0 k v 0", "kv_set 0 k w 0", "kv_get 0 k 4"),
			Want: Report("0", "0", "0", Data("w"))},
		{Func: hostabi.FuncKVSet, Name: "with a ttl", Script: kv("kv_set 0 k v 60000", "kv_get 0 k 4"), Want: Report("0", "0", Data("v"))},
		{Func: hostabi.FuncKVSet, Name: "largest ttl", Script: kv("kv_set 0 k v 0x7FFFFFFF", "kv_get 0 k 4"),
			Want: Report("0", "0", Data("v"))},
		{Func: hostabi.FuncKVSet, Name: "negative ttl", Script: kv("kv_set 0 k v -1", "kv_get 0 k 4"), Want: Report("0", "-2", "-1")},
		{Func: hostabi.FuncKVSet, Name: "maximum key length", Script: kv("kv_set 0 k*1024 v 0", "kv_get 0 k*1024 4"),
			Want: Report("0", "0", Data("v"))},
		{Func: hostabi.FuncKVSet, Name: "over maximum key length", Script: kv("kv_set 0 k*1025 v 0"), Want: Report("0", "-3")},
		{Func: hostabi.FuncKVSet, Name: "maximum value length", Script: kv("kv_set 0 k x*65536 0", "kv_get 0 k 65536"),
			Want: Report("0", "0", Data(maxValue))},
		{Func: hostabi.FuncKVSet, Name: "over maximum value length", Script: kv("kv_set 0 k x*65537 0", "kv_get 0 k 4"),
			Want: Report("0", "-3", "-1")},
		{Func: hostabi.FuncKVSet, Name: "empty key", Script: kv("kv_set 0 '' v 0"), Want: Report("0", "-2")},
		{Func: hostabi.FuncKVSet, Name: "store down", Script: Script(openDown, "kv_set 0 k v 0"), Want: Report("0", "-6")},
		{Func: hostabi.FuncKVSet, Name: "no such store", Script: "kv_set 3 k v 0", Want: "-1"},
		{Func: hostabi.FuncKVSet, Name: "configure phase", Script: Script(open, "configure kv_set 0 k v 0", "kv_get 0 k 4"),
			Want: Report("0", "-4", "-1")},

		{Func: hostabi.FuncKVSetIfAbsent, Name: "absent", Script: kv("kv_set_if_absent 0 k v 0", "kv_get 0 k 4"),
			Want: Report("0", "1", Data("v"))},
		{Func: hostabi.FuncKVSetIfAbsent, Name: "present", Script: kv("kv_set 0 k v 0", "kv_set_if_absent 0 k w 0", "kv_get 0 k 4"),
			Want: Report("0", "0", "0", Data("v"))},
		{Func: hostabi.FuncKVSetIfAbsent, Name: "after a delete", Script: kv("kv_set_if_absent 0 k v 0", "kv_delete 0 k",
			"kv_set_if_absent 0 k w 0", "kv_get 0 k 4"), Want: Report("0", "1", "1", "1", Data("w"))},
		{Func: hostabi.FuncKVSetIfAbsent, Name: "negative ttl", Script: kv("kv_set_if_absent 0 k v -5"), Want: Report("0", "-2")},
		{Func: hostabi.FuncKVSetIfAbsent, Name: "over maximum value length", Script: kv("kv_set_if_absent 0 k x*65537 0"),
			Want: Report("0", "-3")},
		{Func: hostabi.FuncKVSetIfAbsent, Name: "store down", Script: Script(openDown, "kv_set_if_absent 0 k v 0"), Want: Report("0", "-6")},
		{Func: hostabi.FuncKVSetIfAbsent, Name: "configure phase", Script: Script(open, "configure kv_set_if_absent 0 k v 0"),
			Want: Report("0", "-4")},

		{Func: hostabi.FuncKVCAS, Name: "match", Script: kv("kv_set 0 k v 0", "kv_cas 0 k v w 0", "kv_get 0 k 4"),
			Want: Report("0", "0", "1", Data("w"))},
		{Func: hostabi.FuncKVCAS, Name: "mismatch", Script: kv("kv_set 0 k v 0", "kv_cas 0 k x w 0", "kv_get 0 k 4"),
			Want: Report("0", "0", "0", Data("v"))},
		{Func: hostabi.FuncKVCAS, Name: "absent key matches no old", Script: kv("kv_cas 0 k '' w 0", "kv_get 0 k 4"),
			Want: Report("0", "0", "-1")},
		{Func: hostabi.FuncKVCAS, Name: "empty old value", Script: kv("kv_set 0 k '' 0", "kv_cas 0 k '' w 0", "kv_get 0 k 4"),
			Want: Report("0", "0", "1", Data("w"))},
		{Func: hostabi.FuncKVCAS, Name: "over maximum old length", Script: kv("kv_cas 0 k x*65537 w 0"), Want: Report("0", "-3")},
		{Func: hostabi.FuncKVCAS, Name: "over maximum value length", Script: kv("kv_cas 0 k v x*65537 0"), Want: Report("0", "-3")},
		{Func: hostabi.FuncKVCAS, Name: "negative ttl", Script: kv("kv_set 0 k v 0", "kv_cas 0 k v w -1", "kv_get 0 k 4"),
			Want: Report("0", "0", "-2", Data("v"))},
		{Func: hostabi.FuncKVCAS, Name: "store down", Script: Script(openDown, "kv_cas 0 k v w 0"), Want: Report("0", "-6")},
		{Func: hostabi.FuncKVCAS, Name: "configure phase", Script: Script(open, "configure kv_cas 0 k v w 0"), Want: Report("0", "-4")},

		{Func: hostabi.FuncKVIncr, Name: "fresh key", Script: kv("kv_incr 0 n 1 0 8"), Want: Report("0", "0 1")},
		{Func: hostabi.FuncKVIncr, Name: "counts", Script: kv("kv_incr 0 n 5 1000 8", "kv_incr 0 n 5 1000 8", "kv_get 0 n 8"),
			Want: Report("0", "0 5", "0 10", Data("10"))},
		{Func: hostabi.FuncKVIncr, Name: "negative delta", Script: kv("kv_incr 0 n -3 0 8"), Want: Report("0", "0 -3")},
		{Func: hostabi.FuncKVIncr, Name: "zero delta reads", Script: kv("kv_set 0 n 41 0", "kv_incr 0 n 0 0 8"), Want: Report("0", "0", "0 41")},
		{Func: hostabi.FuncKVIncr, Name: "past 32 bits", Script: kv("kv_set 0 n 4294967296 0", "kv_incr 0 n 1 0 8"),
			Want: Report("0", "0", "0 4294967297")},
		{Func: hostabi.FuncKVIncr, Name: "largest count", Script: kv("kv_set 0 n 9223372036854775806 0", "kv_incr 0 n 1 0 8",
			"kv_incr 0 n 1 0 8", "kv_get 0 n 32"), Want: Report("0", "0", "0 9223372036854775807", "-2", Data("9223372036854775807"))},
		{Func: hostabi.FuncKVIncr, Name: "not an integer", Script: kv("kv_set 0 n abc 0", "kv_incr 0 n 1 0 8"), Want: Report("0", "0", "-2")},
		{Func: hostabi.FuncKVIncr, Name: "count buffer too small", Script: kv("kv_incr 0 n 1 0 4", "kv_get 0 n 8"),
			Want: Report("0", "-2", "-1")},
		{Func: hostabi.FuncKVIncr, Name: "count buffer too large", Script: kv("kv_incr 0 n 1 0 16"), Want: Report("0", "-2")},
		{Func: hostabi.FuncKVIncr, Name: "negative ttl", Script: kv("kv_incr 0 n 1 -1 8"), Want: Report("0", "-2")},
		{Func: hostabi.FuncKVIncr, Name: "empty key", Script: kv("kv_incr 0 '' 1 0 8"), Want: Report("0", "-2")},
		{Func: hostabi.FuncKVIncr, Name: "store down", Script: Script(openDown, "kv_incr 0 n 1 0 8"), Want: Report("0", "-6")},
		{Func: hostabi.FuncKVIncr, Name: "configure phase", Script: Script(open, "configure kv_incr 0 n 1 0 8"), Want: Report("0", "-4")},

		{Func: hostabi.FuncKVDelete, Name: "present", Script: kv("kv_set 0 k v 0", "kv_delete 0 k", "kv_get 0 k 4"),
			Want: Report("0", "0", "1", "-1")},
		{Func: hostabi.FuncKVDelete, Name: "absent", Script: kv("kv_delete 0 k"), Want: Report("0", "0")},
		{Func: hostabi.FuncKVDelete, Name: "over maximum key length", Script: kv("kv_delete 0 k*1025"), Want: Report("0", "-3")},
		{Func: hostabi.FuncKVDelete, Name: "store down", Script: Script(openDown, "kv_delete 0 k"), Want: Report("0", "-6")},
		{Func: hostabi.FuncKVDelete, Name: "configure phase", Script: Script(open, "configure kv_delete 0 k"), Want: Report("0", "-4")},
	}
}
