package detect

import "strings"

// inspectMultipart inspects each part of a multipart body: its field
// name, its file name and its content (parsed when the part declares JSON
// or XML). It is a lenient splitter, not a validating parser: it has to
// see what a lenient backend would accept.
func (in *inspection) inspectMultipart(body, boundary string, depth int) {
	delim := "--" + boundary
	parts := strings.Split(body, delim)
	for _, p := range parts[1:] {
		if strings.HasPrefix(p, "--") {
			break // closing delimiter
		}
		p = strings.TrimPrefix(strings.TrimPrefix(p, "\r"), "\n")
		head, content, ok := cutHeaders(p)
		if !ok {
			in.value(TBody, where{"body", ""}, "", p, false)
			continue
		}
		content = strings.TrimSuffix(strings.TrimSuffix(content, "\n"), "\r")
		var name, filename, ctype string
		for _, line := range strings.Split(head, "\n") {
			k, v, _ := strings.Cut(strings.TrimRight(line, "\r"), ":")
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "content-disposition":
				name = dispositionParam(v, "name")
				filename = dispositionParam(v, "filename")
			case "content-type":
				ctype = strings.TrimSpace(v)
			}
		}
		in.value(TArgName, where{"argname:", name}, name, name, false)
		if filename != "" {
			in.value(TFilename, where{"file:", name}, name, filename, false)
		}
		if ctype != "" && !strings.HasPrefix(strings.ToLower(ctype), "text/plain") {
			in.inspectTyped(ctype, content, depth+1)
			continue
		}
		in.value(TArgValue, where{"arg:", name}, name, content, false)
	}
}

// cutHeaders splits a part at its first empty line.
func cutHeaders(p string) (head, content string, ok bool) {
	if i := strings.Index(p, "\r\n\r\n"); i >= 0 {
		return p[:i], p[i+4:], true
	}
	if i := strings.Index(p, "\n\n"); i >= 0 {
		return p[:i], p[i+2:], true
	}
	return "", "", false
}

// dispositionParam returns a Content-Disposition parameter, quoted or
// not; "name" does not match "filename".
func dispositionParam(v, key string) string {
	for v != "" {
		var p string
		p, v, _ = strings.Cut(v, ";")
		k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.Trim(strings.TrimSpace(val), `"`)
		}
	}
	return ""
}
