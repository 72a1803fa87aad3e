package conformance

import (
	"encoding/binary"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// leaf is one json_leaves record as the host writes it.
func leaf(t hostabi.JSONType, off, n int, path, value string) string {
	b := []byte{byte(t)}
	for _, v := range []int{off, n, len(path), len(value)} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return string(b) + path + value
}

// The JSON primitives.
func jsonCases() []Case {
	const doc = `{"user":{"name":"Ann \u0041","age":41,"tags":["a","b"]},"a.b":null}`
	body := withServerBody(doc)
	deep := strings.Repeat("[", hostabi.MaxJSONDepth+1) + strings.Repeat("]", hostabi.MaxJSONDepth+1)
	// The leaves of doc, in order.
	leaves := []string{
		leaf(hostabi.JSONKey, 1, 6, "user", "user"),
		leaf(hostabi.JSONKey, 9, 6, "user.name", "name"),
		leaf(hostabi.JSONString, 16, 12, "user.name", "Ann A"),
		leaf(hostabi.JSONKey, 29, 5, "user.age", "age"),
		leaf(hostabi.JSONNumber, 35, 2, "user.age", "41"),
		leaf(hostabi.JSONKey, 38, 6, "user.tags", "tags"),
		leaf(hostabi.JSONString, 46, 3, "user.tags.0", "a"),
		leaf(hostabi.JSONString, 50, 3, "user.tags.1", "b"),
		leaf(hostabi.JSONKey, 56, 5, `a\.b`, "a.b"),
		leaf(hostabi.JSONNull, 62, 4, `a\.b`, "null"),
	}
	all := strings.Join(leaves, "")
	first3 := strings.Join(leaves[:3], "")
	return []Case{
		{Func: hostabi.FuncJSONGet, Name: "string, decoded", Script: "json_get 0 user.name 16", Request: body, Want: Data("\x05Ann A")},
		{Func: hostabi.FuncJSONGet, Name: "number", Script: "json_get 0 user.age 16", Request: body, Want: Data("\x0441")},
		{Func: hostabi.FuncJSONGet, Name: "array", Script: "json_get 0 user.tags 16", Request: body, Want: Data("\x06[\"a\",\"b\"]")},
		{Func: hostabi.FuncJSONGet, Name: "object", Script: "json_get 0 user 128", Request: body,
			Want: Data("\x07" + `{"name":"Ann \u0041","age":41,"tags":["a","b"]}`)},
		{Func: hostabi.FuncJSONGet, Name: "escaped dot", Script: `json_get 0 a%5C.b 16`, Request: body, Want: Data("\x01null")},
		{Func: hostabi.FuncJSONGet, Name: "array length", Script: "json_get 0 user.tags.%23 16", Request: body, Want: Data("\x042")},
		{Func: hostabi.FuncJSONGet, Name: "too small, then retried", Script: Script("json_get 0 user.name 3", "json_get 0 user.name 6"),
			Request: body, Want: Report("6", Data("\x05Ann A"))},
		{Func: hostabi.FuncJSONGet, Name: "zero limit", Script: "json_get 0 user.age 0", Request: body, Want: "3"},
		{Func: hostabi.FuncJSONGet, Name: "missing", Script: "json_get 0 user.nope 16", Request: body, Want: "-1"},
		{Func: hostabi.FuncJSONGet, Name: "modifier refused", Script: "json_get 0 user.tags|@reverse 16", Request: body, Want: "-2"},
		{Func: hostabi.FuncJSONGet, Name: "empty path", Script: "json_get 0 '' 16", Request: body, Want: "-2"},
		{Func: hostabi.FuncJSONGet, Name: "over maximum path length", Script: "json_get 0 a*4097 16", Request: body, Want: "-2"},
		{Func: hostabi.FuncJSONGet, Name: "maximum path length", Script: "json_get 0 a*4096 16", Request: body, Want: "-1"},
		{Func: hostabi.FuncJSONGet, Name: "not JSON", Script: "json_get 0 a 16", Request: withServerBody(`{"a":1,}`), Want: "-2"},
		{Func: hostabi.FuncJSONGet, Name: "no body", Script: "json_get 0 a 16", Want: "-2"},
		{Func: hostabi.FuncJSONGet, Name: "over maximum depth", Script: "json_get 0 0 16", Request: withServerBody(deep), Want: "-3"},
		{Func: hostabi.FuncJSONGet, Name: "response body", Script: Script(`body_write 1 {"k":[1,2]}`, "json_get 1 k.1 16"),
			Want: Report("0", Data("\x042"))},
		{Func: hostabi.FuncJSONGet, Name: "unknown kind", Script: "json_get 2 a 16", Request: body, Want: "-2"},
		{Func: hostabi.FuncJSONGet, Name: "configure phase", Script: "configure json_get 0 a 16", Want: "-4"},

		{Func: hostabi.FuncJSONLeaves, Name: "whole body", Script: "json_leaves 0 0 4096", Request: body, Want: Data(all)},
		{Func: hostabi.FuncJSONLeaves, Name: "in pieces", Script: Script("json_leaves 0 0 90", "json_leaves 0 3 90", "json_leaves 0 10 90"),
			Request: body, Want: Report(Data(first3), Data(strings.Join(leaves[3:6], "")), "0")},
		{Func: hostabi.FuncJSONLeaves, Name: "from any cursor", Script: Script("json_leaves 0 7 4096", "json_leaves 0 2 40"),
			Request: body, Want: Report(Data(strings.Join(leaves[7:], "")), Data(leaves[2]))},
		{Func: hostabi.FuncJSONLeaves, Name: "past the end", Script: "json_leaves 0 11 4096", Request: body, Want: "0"},
		{Func: hostabi.FuncJSONLeaves, Name: "first record does not fit", Script: Script("json_leaves 0 0 16", "json_leaves 0 0 25"),
			Request: body, Want: Report("25", Data(leaves[0]))},
		{Func: hostabi.FuncJSONLeaves, Name: "zero limit", Script: "json_leaves 0 0 0", Request: body, Want: "25"},
		{Func: hostabi.FuncJSONLeaves, Name: "no leaves", Script: "json_leaves 0 0 64", Request: withServerBody(" [ {} ] "), Want: "0"},
		{Func: hostabi.FuncJSONLeaves, Name: "not JSON", Script: "json_leaves 0 0 64", Request: withServerBody(`[1 2]`), Want: "-2"},
		{Func: hostabi.FuncJSONLeaves, Name: "several documents", Script: "json_leaves 0 0 64", Request: withServerBody("{}\n{}"), Want: "-2"},
		{Func: hostabi.FuncJSONLeaves, Name: "over maximum depth", Script: "json_leaves 0 0 64", Request: withServerBody(deep), Want: "-3"},
		{Func: hostabi.FuncJSONLeaves, Name: "response body", Script: Script(`body_write 1 [true]`, "json_leaves 1 0 64"),
			Want: Report("0", Data(leaf(hostabi.JSONTrue, 1, 4, "0", "true")))},
		{Func: hostabi.FuncJSONLeaves, Name: "unknown kind", Script: "json_leaves 2 0 64", Request: body, Want: "-2"},
		{Func: hostabi.FuncJSONLeaves, Name: "configure phase", Script: "configure json_leaves 0 0 64", Want: "-4"},
	}
}
