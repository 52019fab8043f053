// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import "fmt"

// Attribute names used in [InputError.Attribute].
const (
	AttrInline  = "code_inline"
	AttrPath    = "code_path"
	AttrArchive = "code_archive"
)

// InputError reports a problem with the user's code source. The provider
// attaches it to the attribute it names.
type InputError struct {
	// Attribute is "code_inline", "code_path" or "code_archive". A Source
	// that sets none of them is reported on code_inline (an empty inline
	// code is the usual way to get there), one that sets several on the
	// first of them that is set.
	Attribute string
	// Entry is the offending path relative to the source root (a directory
	// entry or a ZIP entry name), or "" when the problem is not one file's.
	Entry string
	// Message says what is wrong and what to do about it.
	Message string
}

func (e *InputError) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("%s: %s", e.Attribute, e.Message)
	}
	return fmt.Sprintf("%s: %q: %s", e.Attribute, e.Entry, e.Message)
}

func inputErr(attr, entry, format string, args ...any) *InputError {
	return &InputError{Attribute: attr, Entry: entry, Message: fmt.Sprintf(format, args...)}
}
