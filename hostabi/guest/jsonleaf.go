package guest

import (
	"encoding/binary"

	"github.com/gojinn/gojinn/hostabi"
)

// JSONType is the type of a JSON value the host read.
type JSONType = hostabi.JSONType

// JSON types.
const (
	JSONNull   = hostabi.JSONNull
	JSONFalse  = hostabi.JSONFalse
	JSONTrue   = hostabi.JSONTrue
	JSONNumber = hostabi.JSONNumber
	JSONString = hostabi.JSONString
	JSONArray  = hostabi.JSONArray
	JSONObject = hostabi.JSONObject
	// JSONKey is a member name, met only in a walk (Message.WalkJSON).
	JSONKey = hostabi.JSONKey
)

// JSONLeaf is one leaf of a JSON body: a member name, a string, a
// number, true, false or null.
type JSONLeaf struct {
	Type JSONType
	// Offset and Len are the leaf's token in the body: a string or
	// member name with its quotes, or the literal.
	Offset, Len int
	// Path is the leaf's gjson path (member names escaped, array indexes,
	// joined by '.'), which Message.JSON finds it by; a member name's
	// path is its member's. Value is a string or member name decoded, or
	// the other types' JSON text. Both alias the walk's buffer: valid
	// until the callback returns.
	Path, Value []byte
}

// nextLeaf decodes the json_leaves record at the start of b and returns
// the rest; ok is false when b does not start with a whole record.
func nextLeaf(b []byte) (l JSONLeaf, rest []byte, ok bool) {
	if len(b) < hostabi.JSONLeafHeaderLen {
		return JSONLeaf{}, b, false
	}
	u := func(i int) int { return int(binary.LittleEndian.Uint32(b[1+4*i:])) }
	l = JSONLeaf{Type: JSONType(b[0]), Offset: u(0), Len: u(1)}
	pl, vl := u(2), u(3)
	rec := b[hostabi.JSONLeafHeaderLen:]
	if pl < 0 || vl < 0 || len(rec) < pl || len(rec)-pl < vl {
		return JSONLeaf{}, b, false
	}
	l.Path, l.Value = rec[:pl:pl], rec[pl:pl+vl:pl+vl]
	return l, rec[pl+vl:], true
}
