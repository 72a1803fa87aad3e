package detect

import (
	"strings"
	"unsafe"
)

// maxNesting bounds recursion into multipart parts holding JSON or XML.
const maxNesting = 2

// inspectBody inspects the body by its declared type. A body without a
// type is read as a form, as PHP and most frameworks do; types the engine
// cannot parse are inspected as one raw value.
func (in *inspection) inspectBody(r *Request) {
	if r.BodyUnread {
		in.res.BodySkipped = true
		return
	}
	limit := in.e.cfg.MaxBodyBytes
	if len(r.Body) == 0 || limit < 0 {
		return
	}
	body := r.Body
	if len(body) > limit {
		body = body[:limit]
		in.res.BodyTruncated = true
	}
	ct, _ := r.header("content-type")
	// Read in place rather than copied: the body is only read, and
	// nothing made from it outlives Inspect (see inspection.release).
	in.inspectTyped(ct, unsafe.String(unsafe.SliceData(body), len(body)), 0)
}

// inspectTyped dispatches on a content type; depth counts multipart
// nesting.
func (in *inspection) inspectTyped(contentType, body string, depth int) {
	media, params, _ := strings.Cut(contentType, ";")
	media = strings.ToLower(strings.TrimSpace(media))
	switch {
	case media == "" || media == "application/x-www-form-urlencoded":
		in.inspectForm(strings.TrimRight(body, "\r\n"), TArgName, TArgValue)
	case media == "multipart/form-data" || media == "multipart/mixed":
		if b := boundary(params); b != "" && depth < maxNesting {
			in.inspectMultipart(body, b, depth)
			return
		}
		in.value(TBody, where{"body", ""}, "", body, false)
	case media == "application/json" || strings.HasSuffix(media, "+json"):
		if !in.inspectJSON(body) {
			in.value(TBody, where{"body", ""}, "", body, false)
		}
	case strings.HasSuffix(media, "/xml") || strings.HasSuffix(media, "+xml"):
		in.inspectXML(body)
	case media == "text/plain":
		// Plain text often carries a form anyway; a raw look catches
		// what spans the separators.
		in.value(TBody, where{"body", ""}, "", body, false)
		in.inspectForm(strings.TrimRight(body, "\r\n"), TArgName, TArgValue)
	default:
		in.value(TBody, where{"body", ""}, "", body, false)
	}
}

// boundary extracts the multipart boundary from content-type parameters.
func boundary(params string) string {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(k, "boundary") {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
