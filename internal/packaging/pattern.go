// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"errors"
	"regexp"
	"strings"
)

// adaptPattern rewrites one gitignore line so that go-gitignore, which does
// the matching, reads it as git does. The library turns a pattern into a
// regular expression but escapes only '.', and so:
//   - regular-expression characters such as + ( ) { } | ^ $ would act as
//     operators, and a pattern that does not compile is silently dropped:
//     they are escaped here;
//   - '?' would match a literal '?': it becomes a one-character class;
//   - "[!...]" is git's negated class: it becomes "[^...]"; a class that does
//     not close or does not compile is reported rather than dropped;
//   - a pattern with a slash before its end matches at any depth: git
//     anchors it at the root, so a leading "/" is added.
//
// Comments, blank lines and the library's own escapes (\*, and \! or \# at
// the start) pass through unchanged.
func adaptPattern(line string) (string, error) {
	p := strings.Trim(strings.TrimRight(line, "\r"), " ")
	if p == "" || p[0] == '#' {
		return line, nil
	}
	prefix := ""
	switch {
	case p[0] == '!':
		prefix, p = "!", p[1:]
	case strings.HasPrefix(p, `\!`), strings.HasPrefix(p, `\#`):
		prefix, p = p[:2], p[2:]
	}
	body := strings.TrimSuffix(p, "/")
	if strings.Contains(body, "/") && !strings.HasPrefix(body, "/") && !strings.HasPrefix(body, "**/") && prefix != `\!` && prefix != `\#` {
		p = "/" + p
	}

	var out strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 == len(p) {
				return "", errors.New("trailing backslash")
			}
			i++
			out.WriteString(escapedLiteral(p[i]))
		case c == '?':
			out.WriteString(`[^\x2f]`) // spelled without '/', which the library inspects
		case c == '[':
			end := classEnd(p, i)
			if end < 0 {
				return "", errors.New("unclosed [")
			}
			class := p[i : end+1]
			if strings.HasPrefix(class, "[!") {
				class = "[^" + class[2:]
			}
			if strings.ContainsAny(class, "*/") {
				return "", errors.New("'*' or '/' inside [...]")
			}
			if _, err := regexp.Compile(class); err != nil {
				return "", errors.New("invalid [...] class")
			}
			out.WriteString(class)
			i = end
		case strings.IndexByte("+(){}|^$]", c) >= 0:
			out.WriteByte('\\')
			out.WriteByte(c)
		default:
			out.WriteByte(c)
		}
	}
	return prefix + out.String(), nil
}

// escapedLiteral spells the escaped character c so that the library's
// regular expression matches c literally.
func escapedLiteral(c byte) string {
	switch {
	case c == '*':
		return `\*` // the library's own escape
	case c == '?':
		return "[?]" // the library turns '?' into `\?`, which stays literal in a class
	case c == '.':
		return "." // the library escapes every '.'
	case strings.IndexByte(`+(){}|^$[]\`, c) >= 0:
		return `\` + string(c)
	default:
		return string(c)
	}
}

// classEnd returns the index of the ']' closing the class that opens at
// p[start], or -1. A ']' first in the class (after an optional '!' or '^')
// is literal, as in git.
func classEnd(p string, start int) int {
	i := start + 1
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		i++
	}
	if i < len(p) && p[i] == ']' {
		i++
	}
	for ; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case ']':
			return i
		}
	}
	return -1
}
