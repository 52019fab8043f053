// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

var (
	_ resource.Resource                     = (*secretResource)(nil)
	_ resource.ResourceWithConfigure        = (*secretResource)(nil)
	_ resource.ResourceWithImportState      = (*secretResource)(nil)
	_ resource.ResourceWithConfigValidators = (*secretResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*secretResource)(nil)
)

// NewSecretResource is the constructor of e2e_faas_secret.
func NewSecretResource() resource.Resource { return &secretResource{} }

type secretResource struct {
	data *providerData
}

type secretModel struct {
	ID             types.String   `tfsdk:"id"`
	Name           types.String   `tfsdk:"name"`
	Value          types.String   `tfsdk:"value"`
	ValueWO        types.String   `tfsdk:"value_wo"`
	ValueWOVersion types.Int64    `tfsdk:"value_wo_version"`
	Namespace      types.String   `tfsdk:"namespace"`
	CreatedAt      types.String   `tfsdk:"created_at"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

// How long each operation of a secret may take, unless its timeouts block
// says otherwise. A rotation waits for every function that binds the
// secret to redeploy, as a function's update waits for its own deploy.
const (
	defaultSecretCreateTimeout = 5 * time.Minute
	defaultSecretUpdateTimeout = defaultUpdateTimeout
	defaultSecretDeleteTimeout = 5 * time.Minute
)

// noSecretTimeouts is an absent timeouts block, for a secret built from
// nothing (an import).
func noSecretTimeouts() timeouts.Value {
	return timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
		"create": types.StringType, "update": types.StringType, "delete": types.StringType,
	})}
}

var secretName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`)

func (r *secretResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_faas_secret"
}

func (r *secretResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A secret that functions bind by name (`secrets = [e2e_faas_secret.db.name]`); each bound secret " +
			"reaches the function as an environment variable named like the secret. Only with the `faas-v1` API: E2E's MyAccount API " +
			"has no secrets endpoint, so there the plan fails and secrets are made in the MyAccount console and bound by name.\n\n" +
			"The API never returns a value. A new `value` (or a bumped `value_wo_version`) rotates the secret in place, in one apply: " +
			"every function that binds it redeploys with the new value, and Terraform waits until they are `Running` again " +
			"(failing, with the function's error, if one ends `Failed`). Only a new `name` replaces the secret.\n\n" +
			"A secret that functions bind cannot be deleted while they do. Rotation needs nothing more; but to remove a binding and its " +
			"secret in one apply, give the secret `lifecycle { create_before_destroy = true }`: Terraform then updates the functions " +
			"before it deletes the secret.\n\n" +
			"With Terraform 1.11 or newer, prefer `value_wo` with `value_wo_version`: the value is then sent to the API but never " +
			"stored in the plan or the state file. Bump `value_wo_version` to send a new value.\n\n" +
			fmt.Sprintf("The `timeouts` block bounds each operation: `create` (default %s), `update` (default %s, which covers a rotation: "+
				"the update and the wait until every function that binds the secret is `Running` again) and `delete` (default %s).",
				minutes(defaultSecretCreateTimeout), minutes(defaultSecretUpdateTimeout), minutes(defaultSecretDeleteTimeout)),
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Secret ID.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Secret name: letters, digits and hyphens, starting and ending with a letter or digit, at most 253 characters; not `PORT`, " +
					"which the platform reserves. Changing it replaces the secret.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.LengthBetween(1, 253),
					stringvalidator.RegexMatches(secretName, "must be letters, digits and hyphens, starting and ending with a letter or digit"),
					// Bound secrets reach functions as variables of their name.
					stringvalidator.NoneOf(reservedEnvNames...),
				},
			},
			"value": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "The secret's value. Stored in state (marked sensitive); `value_wo` keeps it out of state entirely. " +
					"Changing it rotates the secret in place. Exactly one of `value` and `value_wo` is required.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"value_wo": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				MarkdownDescription: "Write-only value (Terraform 1.11+): sent when the secret is created, never stored in the plan or state. " +
					"Terraform cannot see it change, so bump `value_wo_version` to send a new value, which rotates the secret in place.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.AlsoRequires(path.MatchRoot("value_wo_version")),
				},
			},
			"value_wo_version": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Version of `value_wo`; changing it sends the current `value_wo`, rotating the secret in place. " +
					"Setting it on an imported secret, whose version state does not know, changes nothing.",
				Validators: []validator.Int64{
					int64validator.AlsoRequires(path.MatchRoot("value_wo")),
				},
			},
			"namespace": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Namespace of the secret: always the project's namespace, where functions look their secrets up. " +
					"The API lists, rotates and deletes only the secrets of the project's namespace, so another namespace fails the plan; " +
					"leave it out (setting it to the namespace the secret already has is accepted, with a deprecation warning).",
				DeprecationMessage: "The secret's namespace is the project's, which the provider's project_id selects: remove namespace from the configuration.",
				PlanModifiers:      []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				Validators:         []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"created_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Creation time (RFC 3339, UTC).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *secretResource) ConfigValidators(_ context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("value"), path.MatchRoot("value_wo")),
	}
}

func (r *secretResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan refuses, at plan time and before anything is written, what the
// API could not manage afterwards: any secret where the API has no secrets
// endpoints (myaccount), and a secret in another namespace than the
// project's (checkNamespace).
func (r *secretResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	if !r.data.client.Capabilities().Secrets {
		resp.Diagnostics.AddError("Secrets cannot be managed through the MyAccount API",
			"The "+myAccountAPIName+" has no secrets endpoint, so e2e_faas_secret cannot create, "+
				"read or delete secrets there. Create the secret in the E2E MyAccount console (Functions > Secrets) and bind it to functions "+
				"by name with the secrets argument of e2e_faas_function, which is passed through as is. To manage secrets with Terraform, use the faas-v1 API: "+
				otherDialect(flavorMyAccount))
		return
	}
	resp.Diagnostics.Append(checkNamespace(ctx, req)...)
}

// checkNamespace refuses a configured namespace other than the one the
// secret already has. The API (internal/api/openapi.yaml) takes a namespace
// only when a secret is created: listing, rotating and deleting address the
// namespace of the request's project alone, so a secret made in another
// namespace would be lost at the next refresh, and could be neither
// rotated, deleted, recreated (409) nor imported. A namespace already in
// state was read from the project's list, so it is the project's.
func checkNamespace(ctx context.Context, req resource.ModifyPlanRequest) diag.Diagnostics {
	var configured, current types.String
	diags := req.Config.GetAttribute(ctx, path.Root("namespace"), &configured)
	if diags.HasError() || configured.IsNull() || configured.IsUnknown() {
		return diags
	}
	if !req.State.Raw.IsNull() {
		diags.Append(req.State.GetAttribute(ctx, path.Root("namespace"), &current)...)
		if diags.HasError() || current.Equal(configured) {
			return diags
		}
	}
	diags.AddAttributeError(path.Root("namespace"), "Secrets live in the project's namespace",
		fmt.Sprintf("The E2E API takes a namespace only when a secret is created: it lists, rotates and deletes only the secrets of the project's "+
			"namespace, so a secret in namespace %q could not be read, rotated or deleted afterwards. Remove namespace: the secret is made in "+
			"the project's namespace (its namespace attribute shows which). For another project, configure a provider with that project's project_id.",
			configured.ValueString()))
	return diags
}

func (m *secretModel) apply(s *faas.Secret) {
	m.ID = types.StringValue(s.ID)
	m.Name = types.StringValue(s.Name)
	m.Namespace = types.StringValue(s.Namespace)
	m.CreatedAt = types.StringValue(s.CreatedAt)
}

func (r *secretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer recordIdentity(ctx, r.data, resp.Identity, &resp.Diagnostics, &resp.State) // identity.go
	var plan secretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	// A write-only value is only in the configuration.
	var valueWO types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("value_wo"), &valueWO)...)
	if resp.Diagnostics.HasError() {
		return
	}
	value := plan.Value.ValueString()
	if !valueWO.IsNull() {
		value = valueWO.ValueString()
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultSecretCreateTimeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s, err := r.data.client.CreateSecret(ctx, &faas.CreateSecretRequest{
		// No namespace: the plan allows none but the project's (checkNamespace).
		Name: plan.Name.ValueString(), Value: value,
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not create the secret", err,
			"If a secret of this name already exists, import it (terraform import e2e_faas_secret.<name> <secret name>) or choose another name.")
		return
	}
	plan.apply(s)
	plan.ValueWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(r.data.recordDialect(ctx, resp.Private)...)
}

// findSecret looks a secret up in GET secrets; nil when absent.
func (r *secretResource) findSecret(ctx context.Context, name, namespace string) (*faas.Secret, error) {
	secrets, err := r.data.client.ListSecrets(ctx)
	if err != nil {
		return nil, err
	}
	for i := range secrets {
		if secrets[i].Name == name && (namespace == "" || secrets[i].Namespace == namespace) {
			return &secrets[i], nil
		}
	}
	return nil, nil
}

func (r *secretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer recordIdentity(ctx, r.data, resp.Identity, &resp.Diagnostics, &resp.State, &req.State) // identity.go
	var state secretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !r.data.sameDialect(ctx, req.Private, &resp.Diagnostics, "secret "+state.Name.ValueString()) {
		return
	}
	// The list is the API's own word (its answers are format-checked): a
	// secret absent from it is gone.
	s, err := r.findSecret(ctx, state.Name.ValueString(), state.Namespace.ValueString())
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not read the secret", err, "")
		return
	}
	if s == nil {
		resp.Diagnostics.AddWarning("Secret no longer exists",
			fmt.Sprintf("Secret %s was deleted outside Terraform; it is removed from state and the plan will create it again.", state.Name.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	state.apply(s)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update rotates the value in place (DESIGN.md#secrets) when value changes, when
// value_wo_version changes, or when the secret moves from value to value_wo:
// one PUT, then a wait until every function that binds the secret runs the
// new value. A value_wo_version set on an imported secret (no version in
// state) is only recorded.
func (r *secretResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer recordIdentity(ctx, r.data, resp.Identity, &resp.Diagnostics, &resp.State) // identity.go
	var plan, state secretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	var valueWO types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("value_wo"), &valueWO)...)
	if resp.Diagnostics.HasError() {
		return
	}
	value, rotate := "", false
	switch {
	case !plan.Value.IsNull() && !plan.Value.Equal(state.Value):
		value, rotate = plan.Value.ValueString(), true
	case !valueWO.IsNull() && !state.Value.IsNull():
		// From value to value_wo: send the write-only value.
		value, rotate = valueWO.ValueString(), true
	case !valueWO.IsNull() && !state.ValueWOVersion.IsNull() && !plan.ValueWOVersion.Equal(state.ValueWOVersion):
		value, rotate = valueWO.ValueString(), true
	}
	plan.ValueWO = types.StringNull()
	if !rotate {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultSecretUpdateTimeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rotation, err := r.data.client.UpdateSecret(ctx, plan.Name.ValueString(), value)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not rotate the secret", err, "The secret keeps its previous value; apply again.")
		return
	}
	plan.apply(&rotation.Secret)
	// The value has changed on the server: state says so, whatever the
	// functions do next.
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	tflog.Info(ctx, "rotated the secret, waiting for the functions that bind it", map[string]any{"name": plan.Name.ValueString(), "functions": len(rotation.Functions)})
	for _, err := range waitForFunctions(ctx, r.data.client, rotation.Functions) {
		addWaitError(&resp.Diagnostics, "A function did not redeploy with the rotated secret", err,
			"The secret has its new value. The function's next plan shows it Failed and its next apply redeploys it; fix the cause "+
				"(the function's code or settings), or apply again (raising the secret's timeouts.update) if the deploy only needed longer.")
	}
}

// waitForFunctions waits, all at once, until each function is Running again,
// and gives the errors of those that are not.
func waitForFunctions(ctx context.Context, client faas.API, ids []string) []error {
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = client.WaitForDeploy(ctx, id, faas.DefaultPoll)
		}()
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	return failed
}

func (r *secretResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state secretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultSecretDeleteTimeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := r.data.client.DeleteSecret(ctx, state.Name.ValueString())
	if err == nil || faas.IsNotFound(err) {
		return
	}
	if faas.IsConflict(err) {
		addAPIError(&resp.Diagnostics, "The secret is still in use", err,
			"Remove the secret from the secrets of the functions named above before deleting it. If this apply does both, "+
				"Terraform deletes the secret before it updates the functions: add lifecycle { create_before_destroy = true } "+
				"to the secret so the functions are updated first, or apply the binding change and the deletion one after the other.")
		return
	}
	addAPIError(&resp.Diagnostics, "Could not delete the secret", err, "")
}

// ImportState accepts the secret's name, or <name>.<namespace>, or an identity.
func (r *secretResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	name, namespace, _ := strings.Cut(req.ID, ".")
	if req.ID == "" && req.Identity != nil { // an import block's identity (identity.go)
		var ok bool
		if name, namespace, ok = importedIdentity(ctx, r.data.client, req, &resp.Diagnostics); !ok {
			return
		}
	}
	s, err := r.findSecret(ctx, name, namespace)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not look the secret up", err, "")
		return
	}
	if s == nil {
		resp.Diagnostics.AddError("No such secret", fmt.Sprintf("No secret named %q exists%s. Import by the secret's name, optionally followed by .<namespace>.",
			name, map[bool]string{true: " in namespace " + namespace, false: ""}[namespace != ""]))
		return
	}
	m := secretModel{Value: types.StringNull(), ValueWO: types.StringNull(), ValueWOVersion: types.Int64Null(), Timeouts: noSecretTimeouts()}
	m.apply(s)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	resp.Diagnostics.Append(r.data.recordDialect(ctx, resp.Private)...)
}
