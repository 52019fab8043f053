// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// A field of an API error names the attribute it came from; what names none
// stays a plain error.
func TestAttributePath(t *testing.T) {
	config := path.Root("config").AtListIndex(0)
	for _, tc := range []struct {
		field string
		want  path.Path
		ok    bool
	}{
		{"name", path.Root("name"), true},
		{"runtime", path.Root("runtime"), true},
		{"template", path.Root("template"), true},
		{"handler_function", path.Root("handler_function"), true},
		{"requirements", path.Root("requirements"), true},
		{"secrets", path.Root("secrets"), true},
		{"secrets.0", path.Root("secrets"), true},
		{"environment", path.Root("environment"), true},
		{"environment.PORT", path.Root("environment").AtMapKey("PORT"), true},
		{"environment.A.B", path.Root("environment").AtMapKey("A.B"), true},
		{"labels.team", path.Root("labels").AtMapKey("team"), true},
		{"annotations.com.example/owner", path.Root("annotations").AtMapKey("com.example/owner"), true},
		{"config", path.Root("config"), true},
		{"config.memory_mb", config.AtName("memory_mb"), true},
		{"config.hardware_type", config.AtName("hardware_type"), true},
		// The archive is built from code_path or code_inline as often as
		// from code_archive: the message says which field, the attribute
		// would mislead.
		{"code_archive", path.Root("code_archive"), false},
		{"code", path.Empty(), false},
		{"", path.Empty(), false},
	} {
		t.Run(tc.field, func(t *testing.T) {
			got, ok := attributePath(tc.field)
			if !got.Equal(tc.want) || ok != tc.ok {
				t.Errorf("attributePath(%q) = %s, %v; want %s, %v", tc.field, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// addAPIError: the fields of a 400 each on their attribute, in a stable
// order, with the hint; a taken name says how to import; the rest says what
// to do next.
func TestAddAPIError(t *testing.T) {
	type want struct {
		path   path.Path // empty: no attribute
		detail string
	}
	for _, tc := range []struct {
		name string
		err  error
		hint string
		want []want
	}{
		{
			name: "fields of a 400",
			err: &faas.APIError{StatusCode: 400, Fields: map[string][]string{
				"zzz":              {"unknown field"},
				"config.memory_mb": {"must be at least 64", "must be a whole number"},
			}},
			hint: "Nothing was created.",
			want: []want{
				{path.Root("config").AtListIndex(0).AtName("memory_mb"), "The E2E API rejected config.memory_mb: must be at least 64; must be a whole number. Nothing was created."},
				{path.Empty(), "The E2E API rejected zzz: unknown field. Nothing was created."},
			},
		},
		{
			name: "name taken",
			err:  &faas.NameTakenError{Name: "taken", Existing: &faas.Function{ID: "0b6a-id", Name: "taken"}},
			want: []want{{path.Root("name"), "terraform import <resource address> 0b6a-id"}},
		},
		{
			name: "unauthorized",
			err:  fmt.Errorf("GET runtimes: %w", faas.ErrUnauthorized),
			want: []want{{path.Empty(), "Check api_key and auth_token"}},
		},
		{
			name: "rate limited",
			err:  fmt.Errorf("GET runtimes: %w", faas.ErrRateLimited),
			hint: "Apply again.",
			want: []want{{path.Empty(), "lower -parallelism.\n\nApply again."}},
		},
		{
			name: "server error",
			err:  fmt.Errorf("GET runtimes: %w", faas.ErrServer),
			want: []want{{path.Empty(), "apply again later"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			addAPIError(&diags, "Summary", tc.err, tc.hint)
			if len(diags) != len(tc.want) {
				t.Fatalf("%d diagnostics, want %d: %v", len(diags), len(tc.want), diags)
			}
			for i, w := range tc.want {
				d := diags[i]
				if d.Severity() != diag.SeverityError || d.Summary() != "Summary" {
					t.Errorf("diagnostic %d: %s %q, want an error %q", i, d.Severity(), d.Summary(), "Summary")
				}
				withPath, hasPath := d.(diag.DiagnosticWithPath)
				switch {
				case w.path.Equal(path.Empty()) && hasPath:
					t.Errorf("diagnostic %d is on %s, want no attribute", i, withPath.Path())
				case !w.path.Equal(path.Empty()) && (!hasPath || !withPath.Path().Equal(w.path)):
					t.Errorf("diagnostic %d is not on %s: %v", i, w.path, d)
				}
				if !strings.Contains(d.Detail(), w.detail) {
					t.Errorf("diagnostic %d says %q, want it to say %q", i, d.Detail(), w.detail)
				}
			}
		})
	}
}

// A failed deploy reports the platform's message, with the hint; other
// errors go the way of addAPIError.
func TestAddWaitError(t *testing.T) {
	var diags diag.Diagnostics
	failed := &faas.FailedError{Function: &faas.Function{ID: "f", Name: "f", Status: faas.StatusFailed, ErrorMessage: "SyntaxError on line 1"}}
	addWaitError(&diags, "Did not deploy", fmt.Errorf("waiting: %w", failed), "Fix the code.")
	addWaitError(&diags, "Did not deploy", &faas.APIError{StatusCode: 400, Fields: map[string][]string{"runtime": {"unknown"}}}, "")
	if len(diags) != 2 {
		t.Fatalf("%d diagnostics, want 2: %v", len(diags), diags)
	}
	if d := diags[0].Detail(); !strings.Contains(d, "SyntaxError on line 1") || !strings.HasSuffix(d, "\n\nFix the code.") {
		t.Errorf("the failed deploy says %q", d)
	}
	if d, ok := diags[1].(diag.DiagnosticWithPath); !ok || !d.Path().Equal(path.Root("runtime")) {
		t.Errorf("the field error is not on runtime: %v", diags[1])
	}
}

// Code that packaging refuses names the attribute (and the entry); other
// packaging errors say what failed.
func TestAddPackagingError(t *testing.T) {
	var diags diag.Diagnostics
	addPackagingError(&diags, &packaging.InputError{Attribute: "code_archive", Entry: "../../etc/evil", Message: "leaves the archive"})
	addPackagingError(&diags, errors.New("disk full"))
	if d, ok := diags[0].(diag.DiagnosticWithPath); !ok || !d.Path().Equal(path.Root("code_archive")) || d.Detail() != "../../etc/evil: leaves the archive" {
		t.Errorf("input error: %v", diags[0])
	}
	if _, ok := diags[1].(diag.DiagnosticWithPath); ok || diags[1].Detail() != "disk full" {
		t.Errorf("other error: %v", diags[1])
	}
}

// A failed create says whether something may have been created: only an
// answer that refused the request proves nothing was.
func TestCreateFailureHint(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want string
	}{
		{"refused", context.Background(), &faas.APIError{StatusCode: 400}, "Nothing was created"},
		{"name taken", context.Background(), &faas.APIError{StatusCode: 409}, "Nothing was created"},
		{"server error after retries", context.Background(), &faas.APIError{StatusCode: 503}, "may or may not exist"},
		{"no answer", context.Background(), &faas.TransportError{Method: "POST", Path: "functions"}, "may or may not exist"},
		{"interrupted", cancelled, errors.New("context canceled"), "interrupted"},
		{"timed out", context.Background(), context.DeadlineExceeded, "interrupted"},
	} {
		if got := createFailureHint(tc.ctx, tc.err); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q does not say %q", tc.name, got, tc.want)
		}
	}
}

// A failed write says "nothing was changed" only for an answer that refused
// it; a 5xx or an answer that is not the API's may have been applied. A
// server error says how many attempts were made.
func TestChangeFailureHintAndAttempts(t *testing.T) {
	refused := &faas.APIError{StatusCode: 400, Method: "PUT", Path: "functions/x/code", Attempts: 1}
	server := &faas.APIError{StatusCode: 500, Method: "PUT", Path: "functions/x/code", Attempts: 6}
	foreign := &faas.ForeignAnswerError{Method: "PUT", Path: "functions/x/code", Status: 404, Dialect: faas.DialectFaaSV1, Endpoint: "http://127.0.0.1:1/faas/api/v2/"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{refused, "Nothing was changed"},
		{server, "may have been applied"},
		{foreign, "may have been applied"},
		{errors.New("connection reset by peer"), "may have been applied"},
	} {
		if got := changeFailureHint(tc.err); !strings.Contains(got, tc.want) {
			t.Errorf("changeFailureHint(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	var diags diag.Diagnostics
	addAPIError(&diags, "Could not update the function", server, "")
	if detail := diags[0].Detail(); !strings.Contains(detail, "at each of 6 attempts") || strings.Contains(detail, "several") {
		t.Errorf("detail %q does not give the attempts made", detail)
	}
	diags = nil
	addAPIError(&diags, "Could not read the function", foreign, "")
	if detail := diags[0].Detail(); !strings.Contains(detail, `api_endpoint (now "http://127.0.0.1:1/faas/api/v2/")`) || !strings.Contains(detail, `api_flavor (now "faas-v1")`) {
		t.Errorf("detail %q does not name api_endpoint and api_flavor", detail)
	}
}
