package detect

import "strings"

// inspectXML inspects the text, attribute values, comments and CDATA of
// an XML document, and declarations (<!DOCTYPE, <!ENTITY) whole, where
// entity tricks live. The prolog and the markup itself are not values:
// "<?xml" would read as a PHP open tag. A scanner, not a parser: it must
// not give up on the malformed documents attacks send.
func (in *inspection) inspectXML(s string) {
	for s != "" {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			in.xmlText(s)
			return
		}
		in.xmlText(s[:lt])
		s = s[lt:]
		switch {
		case strings.HasPrefix(s, "<!--"):
			s = in.xmlSection(s[4:], "-->", TArgValue)
		case strings.HasPrefix(s, "<![CDATA["):
			s = in.xmlSection(s[9:], "]]>", TArgValue)
		case strings.HasPrefix(s, "<!"):
			s = in.xmlSection(s, ">", TBody)
		case strings.HasPrefix(s, "<?xml"):
			s = skipPast(s, "?>")
		case strings.HasPrefix(s, "<?"):
			s = in.xmlSection(s, "?>", TArgValue)
		default:
			s = in.xmlTag(s[1:])
		}
	}
}

func (in *inspection) xmlText(t string) {
	if t = strings.TrimSpace(t); t != "" {
		in.value(TArgValue, where{"xml", ""}, "", t, false)
	}
}

// xmlSection inspects s up to end and returns what follows it.
func (in *inspection) xmlSection(s, end string, t Target) string {
	i := strings.Index(s, end)
	if i < 0 {
		in.value(t, where{"xml", ""}, "", s, false)
		return ""
	}
	in.value(t, where{"xml", ""}, "", s[:i], false)
	return s[i+len(end):]
}

func skipPast(s, end string) string {
	if i := strings.Index(s, end); i >= 0 {
		return s[i+len(end):]
	}
	return ""
}

// xmlTag inspects the quoted attribute values of a tag and returns what
// follows the tag.
func (in *inspection) xmlTag(s string) string {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '>':
			return s[i+1:]
		case '"', '\'':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				in.value(TArgValue, where{"xml", ""}, "", s[i+1:], false)
				return ""
			}
			in.value(TArgValue, where{"xml", ""}, "", s[i+1:i+1+end], false)
			i += end + 1
		}
	}
	return ""
}
