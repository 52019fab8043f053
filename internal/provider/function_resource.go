// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

var (
	_ resource.Resource                     = (*functionResource)(nil)
	_ resource.ResourceWithConfigure        = (*functionResource)(nil)
	_ resource.ResourceWithImportState      = (*functionResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*functionResource)(nil)
	_ resource.ResourceWithConfigValidators = (*functionResource)(nil)
)

// NewFunctionResource is the constructor of e2e_faas_function.
func NewFunctionResource() resource.Resource { return &functionResource{} }

type functionResource struct {
	data *providerData
}

const (
	defaultCreateTimeout = 15 * time.Minute
	defaultUpdateTimeout = 15 * time.Minute
	defaultDeleteTimeout = 10 * time.Minute
)

func (r *functionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_faas_function"
}

func (r *functionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = functionSchema(ctx)
}

func (r *functionResource) ConfigValidators(_ context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		newOneCodeSource(),
		configBlockValidator{},
	}
}

func (r *functionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *functionResource) client() faas.API { return r.data.client }

// Create makes the function in one request with every setting, then waits
// until its deploy is Running (DESIGN.md#create-and-adopt).
func (r *functionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer recordIdentity(ctx, r.data, resp.Identity, &resp.Diagnostics, &resp.State) // identity.go
	// Read the plan; the create and its deploy get timeouts.create between them.
	var plan functionModel
	resp.Diagnostics.Append(getPlan(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// Package the code in the dialect's form, refusing code that changed
	// since the plan, and gather every setting into one request.
	code, ok := r.code(ctx, &plan, &resp.Diagnostics)
	if !ok {
		return
	}
	defer code.Close()
	want, diags := plan.updateRequest(ctx, code)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	// Create the function. The client recovers a lost answer: it finds the
	// function this create made, or adopts one of that name that matches
	// what was sent.
	client := r.client()
	created, err := client.CreateFunction(ctx, createRequest(plan.Name.ValueString(), want))
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not create the function", err, createFailureHint(ctx, err))
		return
	}

	// Save the ID before waiting: if the wait fails or is interrupted, the
	// function is tracked (and tainted), never orphaned.
	resp.Diagnostics.Append(setRequirementsFromCode(ctx, resp.Private, code, &plan)...)
	resp.Diagnostics.Append(r.data.recordDialect(ctx, resp.Private)...)
	if created.Adopted {
		// Only who it is: its settings are the configuration's once it is
		// brought to it, and the state must never hold others.
		plan.applyFunction(identity(created))
	} else {
		plan.applyFunction(created)
	}
	plan.CodeSHA256 = types.StringValue(code.sha256)
	plan.settle()
	resp.Diagnostics.Append(setState(ctx, &resp.State, &plan)...)
	tflog.Info(ctx, "created function, waiting for its deploy", map[string]any{"id": created.ID, "name": created.Name})

	// An adopted function may run other settings: bring it to the
	// configuration first.
	if created.Adopted && !r.bringAdoptedToConfiguration(ctx, created, want, code.sha256, &resp.Diagnostics) {
		return
	}

	// Wait for the deploy, keeping what the API says even when it failed.
	deployed, err := client.WaitForDeploy(ctx, created.ID, faas.DefaultPoll)
	if deployed != nil {
		plan.applyFunction(deployed)
		resp.Diagnostics.Append(setState(ctx, &resp.State, &plan)...)
	}
	if err != nil {
		addWaitError(&resp.Diagnostics, "The function was created but did not deploy", err,
			"Terraform keeps it in state, marked tainted: the next apply replaces it. Fix the cause (the code, requirements "+
				"or settings), or raise timeouts.create if the deploy only needs longer.")
	}
}

// bringAdoptedToConfiguration warns that a function was adopted after a lost
// create answer, waits until it settles and, when it differs from the
// configuration, updates it in full. It reports whether that went well.
func (r *functionResource) bringAdoptedToConfiguration(ctx context.Context, adopted *faas.Function, want *faas.UpdateFunctionRequest,
	codeSHA256 string, diags *diag.Diagnostics,
) bool {
	diags.AddAttributeWarning(path.Root("name"), "Adopted the function this apply created",
		fmt.Sprintf("The answer to the create of %q was lost, and a function of that name with the code, runtime, memory, timeout and "+
			"environment sent was found afterwards; Terraform manages it now. If someone else made it, remove it from the state "+
			"(terraform state rm) and rename this resource.", adopted.Name))
	client := r.client()
	settled, err := client.WaitUntilSettled(ctx, adopted.ID, faas.DefaultPoll)
	if err == nil && differsFrom(settled, want, codeSHA256) {
		tflog.Info(ctx, "the adopted function differs from the configuration; updating it", map[string]any{"id": adopted.ID})
		_, err = client.UpdateFunction(ctx, adopted.ID, want)
	}
	if err != nil {
		addWaitError(diags, "The function was created but could not be brought to the configuration", err,
			"Terraform keeps it in state, marked tainted: the next apply replaces it.")
		return false
	}
	return true
}

func (r *functionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var newPrivate privateSetter
	if resp.Private != nil {
		// nil when the list resource reads a function for terraform query:
		// there is no state to note the dialect in.
		newPrivate = resp.Private
	}
	r.read(ctx, readIO{
		state: req.State, private: req.Private,
		newState: &resp.State, newPrivate: newPrivate, identity: resp.Identity, diags: &resp.Diagnostics,
	})
}

// readIO is what a read of a function reads and writes: Read's request and
// response, or the server's own (quiet_read.go).
type readIO struct {
	state      tfsdk.State
	private    privateGetter
	newState   *tfsdk.State
	newPrivate privateSetter // nil: nowhere to note the dialect
	identity   *tfsdk.ResourceIdentity
	diags      *diag.Diagnostics
}

// read is Read: the function as the API has it now, over the state.
func (r *functionResource) read(ctx context.Context, io readIO) {
	defer recordIdentity(ctx, r.data, io.identity, io.diags, io.newState, &io.state) // identity.go
	var state functionModel
	io.diags.Append(getState(ctx, io.state, &state)...)
	if io.diags.HasError() {
		return
	}
	if !r.data.sameDialect(ctx, io.private, io.diags, "function "+state.Name.ValueString()) {
		return
	}
	f, err := r.fetch(ctx, state.ID.ValueString())
	if faas.IsNotFound(err) {
		io.diags.AddWarning("Function no longer exists",
			fmt.Sprintf("Function %s (%s) was deleted outside Terraform; it is removed from state and the plan will create it again.",
				state.Name.ValueString(), state.ID.ValueString()))
		io.newState.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(io.diags, "Could not read the function", err, "")
		return
	}
	if io.newPrivate != nil {
		io.diags.Append(r.data.recordDialect(ctx, io.newPrivate)...)
	}
	io.diags.Append(loadRequirementsFromCode(ctx, io.private, &state)...)
	imported := state.CodeInline.IsNull() && state.CodePath.IsNull() && state.CodeArchive.IsNull()
	state.applyFunction(f)
	if imported && f.Carries(faas.FieldCode) && f.Code != "" {
		// Just imported from a dialect that answers with the code itself:
		// take it as code_inline, so a configuration that matches the
		// function plans nothing.
		state.adoptInlineCode(ctx, f, io.diags)
	}
	if f.Status == faas.StatusFailed {
		io.diags.AddWarning("Function is in the Failed state",
			fmt.Sprintf("Function %s reports: %s. The next apply redeploys it.", f.Name, nonEmpty(f.ErrorMessage, "no error message")))
	}
	io.diags.Append(setState(ctx, io.newState, &state)...)
}

// fetch is the function of id as the API has it now; a not-found error only
// when the API itself says so (CONTRIBUTING's rule 4). A read answer in ctx
// (quiet_read.go) is taken instead of asking the API again, and one
// waiting there is filled.
func (r *functionResource) fetch(ctx context.Context, id string) (*faas.Function, error) {
	answer, _ := ctx.Value(readAnswerKey{}).(*readAnswer)
	if answer != nil && answer.done {
		return answer.f, answer.err
	}
	f, err := r.client().GetFunction(ctx, id)
	if faas.IsNotFound(err) {
		err = r.client().ConfirmNotFound(ctx, err)
	}
	if answer != nil {
		answer.f, answer.err, answer.done = f, err, true
	}
	return f, err
}

// Update moves the function from the state to the plan, one update group at
// a time (DESIGN.md#updates): under faas-v1 each changed group (code, config,
// environment and secrets, labels and annotations) has its own endpoint, and
// a function found Failed is redeployed; under myaccount one full update
// carries every change. Then it waits for the redeploy and records what the
// API says. The steps live in function_update.go.
func (r *functionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer recordIdentity(ctx, r.data, resp.Identity, &resp.Diagnostics, &resp.State) // identity.go
	var plan, state functionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// What the plan's codeDeployed read, the apply reads too.
	resp.Diagnostics.Append(loadRequirementsFromCode(ctx, req.Private, &state)...)
	u := r.newUpdate(&plan, &state, resp)
	steps := []updateStep{u.updateWhole}
	if u.client.Capabilities().PartialUpdates {
		steps = []updateStep{u.updateCode, u.updateConfig, u.updateEnvironment, u.updateMetadata, u.redeployIfFailed}
	}
	steps = append(steps, u.waitForDeploy, u.refresh)
	for _, step := range steps {
		if !step(ctx) {
			return
		}
	}
	u.save(ctx)
}

func (r *functionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state functionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := state.ID.ValueString()
	client := r.client()

	_, err := client.DeleteFunction(ctx, id)
	if faas.IsConflict(err) {
		// The platform deletes only Running or Failed functions: let a deploy
		// in flight finish, then ask again.
		if _, werr := client.WaitUntilSettled(ctx, id, faas.DefaultPoll); werr != nil && !faas.IsNotFound(werr) {
			addWaitError(&resp.Diagnostics, "Could not delete the function", werr, "Raise timeouts.delete if the deploy needs longer.")
			return
		}
		_, err = client.DeleteFunction(ctx, id)
	}
	if faas.IsNotFound(err) {
		// Already gone only when the API itself says so, as in Read.
		err = client.ConfirmNotFound(ctx, err)
	}
	if faas.IsNotFound(err) {
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not delete the function", err, "")
		return
	}
	if err := client.WaitForDeletion(ctx, id, faas.DefaultPoll); err != nil {
		addWaitError(&resp.Diagnostics, "The function did not finish deleting", err, "Raise timeouts.delete if deletion needs longer.")
	}
}

// ImportState accepts a function ID or <name>.<namespace> (faas-v1), or a
// function's name (myaccount, where the name is the ID), or an identity.
func (r *functionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	client := r.client()
	namespaces := client.Capabilities().Namespaces
	var name, namespace string
	hint := "Check the name and namespace (terraform state show of a managed function shows both), or import by ID."
	switch {
	case req.ID == "" && req.Identity != nil: // an import block's identity (identity.go)
		var ok bool
		if name, namespace, ok = importedIdentity(ctx, client, req, &resp.Diagnostics); !ok {
			return
		}
		hint = "Check the identity's name and namespace (terraform state show of a managed function shows both)."
	case !namespaces:
		name = req.ID
	default:
		var ok bool
		if name, namespace, ok = strings.Cut(req.ID, "."); !ok {
			r.importID(ctx, req.ID, resp) // a function ID
			return
		}
		if name == "" || namespace == "" {
			resp.Diagnostics.AddError("Invalid import ID",
				fmt.Sprintf("%q is neither a function ID nor <name>.<namespace> (for example my-function.e2e-faas-20235-dl).", req.ID))
			return
		}
	}
	if !namespaces {
		// MyAccount addresses functions by name alone: the name is the ID.
		if !functionName.MatchString(name) {
			resp.Diagnostics.AddError("Invalid import ID",
				fmt.Sprintf("%q is not a function name: the MyAccount API imports a function by its name, such as my-function.", name))
			return
		}
		r.importID(ctx, name, resp)
		return
	}
	f, err := client.FindFunction(ctx, name, namespace)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not find the function to import", err, hint)
		return
	}
	r.importID(ctx, f.ID, resp)
}

// importID is the state an import leaves for Read to fill: the function's
// ID, and the dialect that found it.
func (r *functionResource) importID(ctx context.Context, id string, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(r.data.recordDialect(ctx, resp.Private)...)
}

// identity is the function f with only what says which function it is:
// its ID, name, namespace, status and creation time.
func identity(f *faas.Function) *faas.Function {
	id := &faas.Function{ID: f.ID, Name: f.Name, Namespace: f.Namespace, Status: f.Status, CreatedAt: f.CreatedAt}
	if f.Fields != nil {
		id.Fields = map[faas.Field]bool{}
	}
	return id
}
