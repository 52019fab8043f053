// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// nameProblem says what is wrong with an archive name, or "" when it is a
// clean relative forward-slash path that any server can extract safely.
// A trailing "/" (a ZIP directory entry) is allowed.
func nameProblem(name string) string {
	if name == "" || name == "/" {
		return "has an empty name"
	}
	if !utf8.ValidString(name) {
		return "has a name that is not valid UTF-8"
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "has a control character in its name"
		}
	}
	if strings.Contains(name, `\`) {
		return `has a backslash in its name; archive paths must use "/"`
	}
	if strings.HasPrefix(name, "/") || (len(name) >= 2 && name[1] == ':') {
		return "has an absolute path"
	}
	for _, part := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		switch part {
		case "..":
			return `has a ".." component that would escape the extraction directory`
		case ".", "":
			return `has an empty or "." path component`
		}
	}
	return ""
}

// sortAndCheckNames sorts entries by name and rejects duplicates and names
// that are both a file and a directory ("a" and "a/b").
func sortAndCheckNames(attr string, entries []entry) error {
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	for i := 1; i < len(entries); i++ {
		if entries[i].name == entries[i-1].name {
			return inputErr(attr, entries[i].name, "appears more than once: keep one copy")
		}
	}
	files := make(map[string]bool, len(entries))
	for _, e := range entries {
		files[e.name] = true
	}
	for _, e := range entries {
		for dir := e.name; ; {
			i := strings.LastIndexByte(dir, '/')
			if i < 0 {
				break
			}
			dir = dir[:i]
			if files[dir] {
				return inputErr(attr, dir, "is both a file and a directory (it holds %q): rename one of them", e.name)
			}
		}
	}
	return nil
}

// mb formats a byte count for messages.
func mb(n int64) string {
	if n >= 1_000_000 {
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%d bytes", n)
}
