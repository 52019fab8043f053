// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// Which API dialect made a resource's state (DESIGN.md#api-dialects). An
// ID's shape cannot tell (a UUID is also a valid MyAccount name), and a
// state read through the other dialect finds nothing and would be dropped
// while the function runs on. So Create and import record the dialect in
// private state, and Read refuses a state of the other one, leaving it as
// it is. A state without the key (made before it existed) is read as
// before, and gets the key once a read finds the function.
//
// The project and location are recorded beside it for the same reason: the
// same API asked about another project answers "not found" in its own
// format, from an endpoint whose catalogue answers, which is just what a
// function deleted outside Terraform looks like.
const (
	privateDialectKey = "api_dialect"
	privateScopeKey   = "api_scope"
)

// apiScope is the project and location a resource was made or found in.
type apiScope struct {
	ProjectID string `json:"project_id,omitempty"`
	Location  string `json:"location,omitempty"`
}

// differsFrom reports whether a recorded scope names another project or
// location than the provider's; what either side leaves unset (faas-v1's
// optional project_id) cannot tell.
func (s apiScope) differsFrom(now apiScope) bool {
	differ := func(a, b string) bool { return a != "" && b != "" && !strings.EqualFold(a, b) }
	return differ(s.ProjectID, now.ProjectID) || differ(s.Location, now.Location)
}

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// recordDialect notes in private state that the provider's dialect made or
// found the resource.
func (d *providerData) recordDialect(ctx context.Context, private privateSetter) diag.Diagnostics {
	if d == nil || private == nil {
		return nil
	}
	value, _ := json.Marshal(string(d.client.Dialect()))
	diags := private.SetKey(ctx, privateDialectKey, value)
	scope, _ := json.Marshal(d.scope)
	return append(diags, private.SetKey(ctx, privateScopeKey, scope)...)
}

// sameDialect reports whether the state was made under the provider's
// dialect, or does not say; otherwise it adds an error naming api_flavor
// and api_endpoint, and the caller must leave the state as it is.
func (d *providerData) sameDialect(ctx context.Context, private privateGetter, diags *diag.Diagnostics, what string) bool {
	if d == nil || private == nil {
		return true
	}
	raw, dd := private.GetKey(ctx, privateDialectKey)
	diags.Append(dd...)
	var made string
	if len(raw) == 0 || json.Unmarshal(raw, &made) != nil || made == "" {
		return true
	}
	now := string(d.client.Dialect())
	if made == now {
		return d.sameScope(ctx, private, diags, what)
	}
	diags.AddError("State made through the other API flavor",
		fmt.Sprintf("The %s in state was made through the %s API, but the provider is now set to api_flavor = %q at api_endpoint = %q, "+
			"which cannot see it: Terraform keeps the state as it is. Set api_flavor (and api_endpoint) back to the API that manages it. "+
			"To manage it through the other API instead, remove it from the state (terraform state rm) and import it there.",
			what, made, now, d.endpoint))
	return false
}

// sameScope reports whether the state was made in the provider's project
// and location, or does not say; otherwise it adds an error naming
// project_id and location, and the caller must leave the state as it is.
func (d *providerData) sameScope(ctx context.Context, private privateGetter, diags *diag.Diagnostics, what string) bool {
	raw, dd := private.GetKey(ctx, privateScopeKey)
	diags.Append(dd...)
	var made apiScope
	if len(raw) == 0 || json.Unmarshal(raw, &made) != nil || !made.differsFrom(d.scope) {
		return true
	}
	diags.AddError("State made in another project or location",
		fmt.Sprintf("The %s in state was made in project_id %q, location %q, but the provider is now set to project_id %q, location %q, "+
			"where it cannot be seen: Terraform keeps the state as it is. Set project_id and location back to the ones that manage it. "+
			"To manage it in the other project instead, remove it from the state (terraform state rm) and import it there.",
			what, made.ProjectID, made.Location, d.scope.ProjectID, d.scope.Location))
	return false
}
