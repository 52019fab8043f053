// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// Diagnostics shared by every resource and data source: what an error of the
// client or of packaging says to the user, on which attribute, and what to do
// next.

// attributePath maps a field name of an API error ("config.memory_mb",
// "environment.PORT", "secrets") to the attribute it came from.
func attributePath(field string) (path.Path, bool) {
	parts := strings.Split(field, ".")
	switch parts[0] {
	case "name", "runtime", "template", "handler_function", "requirements", "secrets":
		return path.Root(parts[0]), true
	case "code_archive":
		return path.Root("code_archive"), false
	case "environment", "labels", "annotations":
		p := path.Root(parts[0])
		if len(parts) > 1 {
			p = p.AtMapKey(strings.Join(parts[1:], "."))
		}
		return p, true
	case "config":
		p := path.Root("config")
		if len(parts) > 1 {
			p = p.AtListIndex(0).AtName(parts[1])
		}
		return p, true
	}
	return path.Empty(), false
}

// addAPIError turns a client error into diagnostics: per-field problems of a
// 400 go on their attributes; everything says what to do next.
func addAPIError(diags *diag.Diagnostics, summary string, err error, hint string) {
	var apiErr *faas.APIError
	if errors.As(err, &apiErr) && len(apiErr.Fields) > 0 {
		fields := make([]string, 0, len(apiErr.Fields))
		for f := range apiErr.Fields {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, f := range fields {
			detail := fmt.Sprintf("The E2E API rejected %s: %s.", f, strings.Join(apiErr.Fields[f], "; "))
			if hint != "" {
				detail += " " + hint
			}
			if p, ok := attributePath(f); ok {
				diags.AddAttributeError(p, summary, detail)
			} else {
				diags.AddError(summary, detail)
			}
		}
		return
	}
	var taken *faas.NameTakenError
	if errors.As(err, &taken) {
		diags.AddAttributeError(path.Root("name"), summary, fmt.Sprintf(
			"%s. Terraform will not adopt a function it did not create. To manage it, import it:\n\n"+
				"  terraform import <resource address> %s\n\nor choose another name.", taken.Error(), taken.Existing.ID))
		return
	}
	detail := err.Error()
	switch {
	case faas.IsNotFound(err):
	case errors.Is(err, faas.ErrUnauthorized):
		detail += "\n\nCheck api_key and auth_token (or E2E_API_KEY and E2E_AUTH_TOKEN), and project_id if the key belongs to another project."
	case errors.Is(err, faas.ErrRateLimited):
		detail += "\n\nThe API kept answering 429 after the retries; apply again later or with a lower -parallelism."
	case errors.Is(err, faas.ErrServer):
		detail += "\n\nThe E2E API had trouble after several retries; apply again later."
	}
	if hint != "" {
		detail += "\n\n" + hint
	}
	diags.AddError(summary, detail)
}

// addWaitError reports a failed deploy with the platform's message, or any
// other error as addAPIError does.
func addWaitError(diags *diag.Diagnostics, summary string, err error, hint string) {
	var failed *faas.FailedError
	if errors.As(err, &failed) {
		detail := failed.Error()
		if hint != "" {
			detail += "\n\n" + hint
		}
		diags.AddError(summary, detail)
		return
	}
	addAPIError(diags, summary, err, hint)
}

// createFailureHint says what a failed create left behind. An answer that
// refused the request means nothing was created; a create cut short (by
// Ctrl-C, the timeout or a connection that never answered) may have been
// carried out, and the next apply's "name taken" error says how to import it.
func createFailureHint(ctx context.Context, err error) string {
	var apiErr *faas.APIError
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return "The create was interrupted before the API answered, so the function may or may not exist. Apply again: " +
			"if the name is then taken, the error says how to import the function into this resource."
	case errors.As(err, &apiErr) && apiErr.StatusCode < 500:
		return "Nothing was created. Fix the attribute named above and apply again."
	}
	return "The API gave no clear answer, so the function may or may not exist. Apply again: if the name is then taken, " +
		"the error says how to import the function into this resource."
}

// addPackagingError puts a problem with the code on the attribute it came
// from (code_path, code_archive, code_inline, requirements).
func addPackagingError(diags *diag.Diagnostics, err error) {
	var inputErr *packaging.InputError
	if errors.As(err, &inputErr) {
		detail := inputErr.Message
		if inputErr.Entry != "" {
			detail = fmt.Sprintf("%s: %s", inputErr.Entry, inputErr.Message)
		}
		diags.AddAttributeError(path.Root(inputErr.Attribute), "Invalid function code", detail)
		return
	}
	diags.AddError("Could not package the function's code", err.Error())
}

// nonEmpty is s, or fallback when s says nothing.
func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// quotedList quotes each string as Go (and the validators library) does.
func quotedList(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// joinInts is "128, 256, 512".
func joinInts(list []int64) string {
	parts := make([]string, len(list))
	for i, n := range list {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ", ")
}
