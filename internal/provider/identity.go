// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// Resource identity (Terraform 1.12+) of e2e_faas_function and
// e2e_faas_secret: the name, plus the namespace where the dialect has
// namespaces (Capabilities.Namespaces); under myaccount the namespace is
// null. An import block can name either resource by identity, and the state
// records it. Terraform 1.11 and OpenTofu never ask for identities: the
// provider sends them and they are ignored.
//
// Every Create, Read and Update records the identity from the state it
// wrote (recordIdentity), so a state written before identities existed
// gets one at its next refresh, without a diff.

var (
	_ resource.ResourceWithIdentity = (*functionResource)(nil)
	_ resource.ResourceWithIdentity = (*secretResource)(nil)
)

// nameIdentityModel is the identity of both resources.
type nameIdentityModel struct {
	Name      types.String `tfsdk:"name"`
	Namespace types.String `tfsdk:"namespace"`
}

func nameIdentitySchema(what string) identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"name": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "The " + what + "'s name.",
			},
			"namespace": identityschema.StringAttribute{
				OptionalForImport: true,
				Description: "The " + what + "'s namespace, where the API has namespaces (faas-v1); leave it out under myaccount. " +
					"When left out under faas-v1, the name alone must be unique.",
			},
		},
	}
}

func (r *functionResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = nameIdentitySchema("function")
}

func (r *secretResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = nameIdentitySchema("secret")
}

// recordIdentity sets identity from the name and namespace of the first
// of states that is not null: the state just written or, for a Read that
// removes a resource gone outside Terraform, the prior one (the framework
// wants an identity after every Read without errors, even one that removes
// the resource). It does nothing when there is no state (a failed create)
// or no identity (never the case with the framework, which passes a null
// one).
func recordIdentity(ctx context.Context, data *providerData, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics, states ...*tfsdk.State) {
	if identity == nil || data == nil {
		return
	}
	var state *tfsdk.State
	for _, s := range states {
		if s != nil && !s.Raw.IsNull() {
			state = s
			break
		}
	}
	if state == nil {
		return
	}
	var id nameIdentityModel
	// The two attributes straight from the state's value (each framework
	// GetAttribute walks the schema, on every refresh of every resource).
	var attrs map[string]tftypes.Value
	if state.Raw.As(&attrs) != nil || !stringAttribute(ctx, attrs, "name", &id.Name) || !stringAttribute(ctx, attrs, "namespace", &id.Namespace) {
		diags.Append(state.GetAttribute(ctx, path.Root("name"), &id.Name)...)
		diags.Append(state.GetAttribute(ctx, path.Root("namespace"), &id.Namespace)...)
	}
	if !data.client.Capabilities().Namespaces || id.Namespace.IsUnknown() || id.Namespace.ValueString() == "" {
		id.Namespace = types.StringNull()
	}
	if id.Name.IsNull() || id.Name.IsUnknown() {
		return
	}
	diags.Append(setIdentity(ctx, identity, &id)...)
}

// stringAttribute reads the string attribute name of an object's
// attributes into dst, and reports whether it could.
func stringAttribute(ctx context.Context, attrs map[string]tftypes.Value, name string, dst *types.String) bool {
	raw, ok := attrs[name]
	if !ok {
		return false
	}
	v, err := types.StringType.ValueFromTerraform(ctx, raw)
	s, isString := v.(types.String)
	if err != nil || !isString {
		return false
	}
	*dst = s
	return true
}

// importedIdentity reads the name and namespace of an import by identity.
// A namespace where the dialect has none is an error that says so.
func importedIdentity(ctx context.Context, client faas.API, req resource.ImportStateRequest, diags *diag.Diagnostics) (name, namespace string, ok bool) {
	var id nameIdentityModel
	diags.Append(req.Identity.Get(ctx, &id)...)
	if diags.HasError() {
		return "", "", false
	}
	if id.Name.ValueString() == "" {
		diags.AddAttributeError(path.Root("name"), "Missing name in the import identity", "Give the name in the import block's identity.")
		return "", "", false
	}
	if id.Namespace.ValueString() != "" && !client.Capabilities().Namespaces {
		diags.AddAttributeError(path.Root("namespace"), "Namespace not supported by this API",
			fmt.Sprintf("The identity gives namespace %q, but the %s API (api_flavor = %q) has no namespaces: it names functions by name alone. "+
				"Remove namespace from the import block's identity.", id.Namespace.ValueString(), client.Dialect(), client.Dialect()))
		return "", "", false
	}
	return id.Name.ValueString(), id.Namespace.ValueString(), true
}
