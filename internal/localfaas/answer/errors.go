// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package answer

import (
	"fmt"
	"sort"
	"strings"
)

// FieldErrors say what is wrong with a request, by field (a path in the
// function object, a secret or a fault configuration): the "errors" object
// of an error answer, and an error for Go callers.
type FieldErrors map[string][]string

// Add adds a problem of field.
func (e FieldErrors) Add(field, format string, args ...any) {
	e[field] = append(e[field], fmt.Sprintf(format, args...))
}

// Error summarises the problems, fields in order, for Go callers.
func (e FieldErrors) Error() string {
	fields := make([]string, 0, len(e))
	for f := range e {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f + ": " + strings.Join(e[f], "; ")
	}
	return strings.Join(parts, ", ")
}
