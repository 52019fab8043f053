// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// Which API dialect made a resource's state (DESIGN.md#api-dialects). An
// ID's shape cannot tell (a UUID is also a valid MyAccount name), and a
// state read through the other dialect finds nothing and would be dropped
// while the function runs on. So Create and import record the dialect in
// private state, and Read refuses a state of the other one, leaving it as
// it is. A state without the key (made before it existed) is read as
// before, and gets the key once a read finds the function.
const privateDialectKey = "api_dialect"

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
	return private.SetKey(ctx, privateDialectKey, value)
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
		return true
	}
	diags.AddError("State made through the other API flavor",
		fmt.Sprintf("The %s in state was made through the %s API, but the provider is now set to api_flavor = %q at api_endpoint = %q, "+
			"which cannot see it: Terraform keeps the state as it is. Set api_flavor (and api_endpoint) back to the API that manages it. "+
			"To manage it through the other API instead, remove it from the state (terraform state rm) and import it there.",
			what, made, now, d.endpoint))
	return false
}
