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
	var taken *faas.NameTakenError
	if errors.As(err, &taken) {
		// Before the per-field problems: a 409's body may carry some (such
		// as name: taken), and the way out is the import.
		diags.AddAttributeError(path.Root("name"), summary, fmt.Sprintf(
			"%s. Terraform will not adopt a function it did not create, and changed nothing on it. If it is yours, import it:\n\n"+
				"  terraform import <resource address> %s\n\nor choose another name.", taken.Error(), taken.Existing.ID))
		return
	}
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
	detail := err.Error()
	var foreign *faas.ForeignAnswerError
	var transport *faas.TransportError
	switch {
	case errors.As(err, &foreign):
		detail += fmt.Sprintf("\n\nCheck api_endpoint (now %q) and api_flavor (now %q): the answer is not the E2E FaaS API's in that flavor, "+
			"so nothing is concluded from it, and the state stays as it was.", foreign.Endpoint, string(foreign.Dialect))
	case errors.As(err, &transport) && transport.NeverReached():
		detail += fmt.Sprintf("\n\nNothing answers at api_endpoint = %q: check the address (and %s), or the network. "+
			"The request never reached a server, so nothing was changed.", transport.Endpoint, envVar("api_endpoint"))
	case faas.IsNotFound(err):
	case errors.Is(err, faas.ErrUnauthorized):
		detail += fmt.Sprintf("\n\nCheck api_key and auth_token (or %s and %s), and project_id if the key belongs to another project.",
			envVar("api_key"), envVar("auth_token"))
	case errors.Is(err, faas.ErrRateLimited):
		detail += fmt.Sprintf("\n\nThe API still answered 429 %s; apply again later or with a lower -parallelism.", attemptsText(apiErr))
	case errors.Is(err, faas.ErrServer):
		detail += fmt.Sprintf("\n\nThe E2E API had trouble %s; apply again later.", attemptsText(apiErr))
	}
	if hint != "" {
		detail += "\n\n" + hint
	}
	diags.AddError(summary, detail)
}

// attemptsText says how many attempts a failed request made.
func attemptsText(apiErr *faas.APIError) string {
	switch {
	case apiErr == nil || apiErr.Attempts == 0:
		return "when it was asked"
	case apiErr.Attempts == 1:
		return "at the only attempt made"
	}
	return fmt.Sprintf("at each of %d attempts", apiErr.Attempts)
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
	switch {
	case faas.IsUnreachable(err):
		return ""
	case ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return "The create was interrupted before the API answered, so the function may or may not exist. Apply again: " +
			"if the name is then taken, the error says how to import the function into this resource."
	case nothingChanged(err):
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

// changeFailureHint says what a failed update left behind: nothing when the
// API refused it (an answer below 500) or it never reached a server;
// otherwise the change may have been carried out, and the next plan, which
// reads the function, shows where things stand.
func changeFailureHint(err error) string {
	switch {
	case faas.IsUnreachable(err):
		return "" // addAPIError says that nothing was changed
	case nothingChanged(err):
		return "Nothing was changed; fix the cause and apply again."
	}
	return "The change may have been applied: the API gave no clear answer. The next plan reads the function and shows where things stand."
}

// nothingChanged reports whether a failed write is known to have changed
// nothing: the API refused it (an answer of its own below 500), or it never
// reached a server.
func nothingChanged(err error) bool {
	var apiErr *faas.APIError
	return faas.IsUnreachable(err) || errors.As(err, &apiErr) && apiErr.StatusCode < 500
}
