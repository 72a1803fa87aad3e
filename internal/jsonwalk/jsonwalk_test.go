package jsonwalk

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// walk returns the leaves of doc as "type path=value @offset+len" lines.
func walk(doc string) ([]string, error) {
	var w Walker
	w.Reset([]byte(doc))
	var out []string
	for {
		l, ok := w.Next()
		if !ok {
			return out, w.Err()
		}
		out = append(out, fmt.Sprintf("%d %s=%s @%d+%d", l.Type, l.Path, l.Value, l.Offset, l.Len))
	}
}

func TestWalk(t *testing.T) {
	tests := []struct {
		doc  string
		want []string
		err  error
	}{
		{`{"a":1,"b":[true,false,null,"x"]}`, []string{
			"8 a=a @1+3", "4 a=1 @5+1", "8 b=b @7+3",
			"3 b.0=true @12+4", "2 b.1=false @17+5", "1 b.2=null @23+4", "5 b.3=x @28+3"}, nil},
		{` "top" `, []string{"5 =top @1+5"}, nil},
		{`-1.5e+3`, []string{"4 =-1.5e+3 @0+7"}, nil},
		{`{"a.b":{"c d":"\u0041\n"}}`, []string{"8 a\\.b=a.b @1+5", "8 a\\.b.c\\ d=c d @8+5", "5 a\\.b.c\\ d=A\n @14+10"}, nil},
		{`[[],{},[[1]]]`, []string{"4 2.0.0=1 @9+1"}, nil},
		{`{"k":"\ud83d\ude00","l":"\ud800x"}`, []string{"8 k=k @1+3", "5 k=\U0001F600 @5+14", "8 l=l @20+3", "5 l=\uFFFDx @24+9"}, nil},
		{`[1,2,]`, []string{"4 0=1 @1+1", "4 1=2 @3+1"}, ErrSyntax},
		{`{"a" 1}`, []string{}, ErrSyntax},
		{``, nil, ErrSyntax},
		{`[1] [2]`, []string{"4 0=1 @1+1"}, ErrSyntax},
		{`01`, nil, ErrSyntax},
		{`"a` + "\x01" + `"`, nil, ErrSyntax},
		{`"\x"`, nil, ErrSyntax},
		{`tru`, nil, ErrSyntax},
		{strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), nil, nil},
		{strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), nil, ErrDepth},
		{strings.Repeat("[", 1<<20), nil, ErrDepth},
	}
	for _, tt := range tests {
		got, err := walk(tt.doc)
		if !errors.Is(err, tt.err) || err == nil && tt.err != nil {
			t.Errorf("%.40q: error %v, want %v", tt.doc, err, tt.err)
		}
		if tt.want == nil {
			continue
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%.40q:\n got  %q\n want %q", tt.doc, got, tt.want)
		}
	}
}

// TestPathsFindLeaves: gjson finds every leaf of a document by its path.
func TestPathsFindLeaves(t *testing.T) {
	doc := []byte(`{"user":{"name":"Ann","tags":["a","b"],"a.b*c?":1,"x|y#z@w":"s","\\":null},"n":[[1.5,{"k":false}]]}`)
	var w Walker
	w.Reset(doc)
	leaves := 0
	for {
		l, ok := w.Next()
		if !ok {
			break
		}
		if l.Type == Key {
			continue
		}
		leaves++
		r := gjson.GetBytes(doc, string(l.Path))
		if r.Raw != string(doc[l.Offset:l.Offset+l.Len]) {
			t.Errorf("gjson finds %q at %q, the leaf is %q", r.Raw, l.Path, doc[l.Offset:l.Offset+l.Len])
		}
	}
	if w.Err() != nil || leaves != 8 {
		t.Fatalf("%d leaves, error %v", leaves, w.Err())
	}
}

// TestResume: a walker copied in the middle goes on as the original does.
func TestResume(t *testing.T) {
	doc := `{"a":[1,{"b":"c"}],"d":{"e":[true]}}`
	all, _ := walk(doc)
	for stop := 0; stop <= len(all); stop++ {
		var w, c Walker
		w.Reset([]byte(doc))
		for range stop {
			w.Next()
		}
		c.CopyFrom(&w)
		for range 3 {
			w.Next() // the original walks on; the copy must not see it
		}
		var rest []string
		for {
			l, ok := c.Next()
			if !ok {
				break
			}
			rest = append(rest, fmt.Sprintf("%d %s=%s @%d+%d", l.Type, l.Path, l.Value, l.Offset, l.Len))
		}
		if got, want := strings.Join(rest, "|"), strings.Join(all[stop:], "|"); got != want || c.Count() != len(all) {
			t.Errorf("resumed after %d:\n got  %s\n want %s", stop, got, want)
		}
	}
}

// FuzzWalk: the walk accepts what encoding/json accepts (within
// MaxDepth), never panics, and its leaves are the document's tokens, with
// strings decoded as encoding/json decodes them.
func FuzzWalk(f *testing.F) {
	for _, s := range []string{`{"a":[1,"b",{"c":null}]}`, `"\u00e9\ud800"`, `[1e5,-0.1,true]`, `{"a":"b\"c"}`, `[`, `{"a"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var w Walker
		w.Reset(doc)
		for {
			l, ok := w.Next()
			if !ok {
				break
			}
			tok := doc[l.Offset : l.Offset+l.Len]
			switch l.Type {
			case String, Key:
				if !utf8.Valid(tok) {
					break // encoding/json would replace the bytes
				}
				var s string
				if err := json.Unmarshal(tok, &s); err != nil || s != string(l.Value) {
					t.Fatalf("string %q decoded as %q, encoding/json says %q (%v)", tok, l.Value, s, err)
				}
			default:
				if string(tok) != string(l.Value) {
					t.Fatalf("token %q, value %q", tok, l.Value)
				}
			}
		}
		depth := strings.Count(string(doc), "[") + strings.Count(string(doc), "{")
		if errors.Is(w.Err(), ErrDepth) || depth > MaxDepth {
			return
		}
		if got, want := w.Err() == nil, json.Valid(doc); got != want {
			t.Fatalf("%q: valid %v, encoding/json says %v (%v)", doc, got, want, w.Err())
		}
	})
}
