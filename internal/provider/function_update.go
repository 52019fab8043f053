// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// The steps of Update (DESIGN.md#updates). Each step does its part only when
// the plan asks for it, and returns false when the update must stop: it has
// then reported why and, through fail, kept the prior state.

// updateStep is one step of an Update.
type updateStep func(ctx context.Context) bool

// functionUpdate is one Update in progress.
type functionUpdate struct {
	r       *functionResource
	client  faas.API
	id      string
	plan    *functionModel
	state   *functionModel
	changes functionChanges
	resp    *resource.UpdateResponse

	// last is the API's latest answer about the function.
	last *faas.Function
	// redeploying: a step started a deploy, which waitForDeploy waits for.
	redeploying bool
	// sentCode: a step sent new code, which the API may run now even if
	// the update then fails.
	sentCode bool
}

func (r *functionResource) newUpdate(plan, state *functionModel, resp *resource.UpdateResponse) *functionUpdate {
	return &functionUpdate{
		r:       r,
		client:  r.client(),
		id:      state.ID.ValueString(),
		plan:    plan,
		state:   state,
		changes: diffFunction(plan, state),
		resp:    resp,
	}
}

// fail ends the update with an error. The prior state stays, refreshed with
// what the API last said, so the next plan shows the same change and the next
// apply tries again. It returns false, for the step to return.
func (u *functionUpdate) fail(ctx context.Context, summary string, err error, hint string) bool {
	if u.last != nil {
		u.state.applyFunction(u.last)
	}
	if u.sentCode && !nothingChanged(err) {
		// The API may run the new code already. Without the hash of the
		// code Terraform deployed before (nor of its requirements file),
		// the next read takes what the API runs as it is, and the plan
		// shows the configured code as this apply's update again, not as
		// a change made outside Terraform (DESIGN.md#code-and-drift).
		u.state.CodeSHA256 = types.StringNull()
		u.resp.Diagnostics.Append(clearRequirementsFromCode(ctx, u.resp.Private)...)
	}
	u.resp.Diagnostics.Append(u.resp.State.Set(ctx, u.state)...)
	addWaitError(&u.resp.Diagnostics, summary, err, hint)
	return false
}

// updateCode (faas-v1) uploads the code, with the requirements, handler and
// template that the code endpoint carries too.
func (u *functionUpdate) updateCode(ctx context.Context) bool {
	if !u.changes.code {
		return true
	}
	code, ok := u.r.code(ctx, u.plan, &u.resp.Diagnostics)
	if !ok {
		return false
	}
	defer code.Close()
	if code.alreadyDeployed(u.plan, u.state) {
		// The API already runs these exact bytes (typically after an
		// import): adopt them without a redeploy, as the plan said.
		tflog.Info(ctx, "deployed code already matches the configuration; not uploading it again", map[string]any{"id": u.id})
		return true
	}
	u.sentCode = true
	f, err := u.client.UpdateFunctionCode(ctx, u.id, &faas.CodeUpdate{
		Code:            code.archive,
		Requirements:    u.plan.Requirements.ValueString(),
		HandlerFunction: u.plan.HandlerFunction.ValueString(),
		Template:        u.plan.Template.ValueString(),
	})
	if err != nil {
		return u.fail(ctx, "Could not update the function's code", err, changeFailureHint(err))
	}
	u.last, u.redeploying = f, true
	return true
}

// updateConfig (faas-v1) sets memory, timeout and scaling.
func (u *functionUpdate) updateConfig(ctx context.Context) bool {
	if !u.changes.config {
		return true
	}
	cfg := u.plan.plannedConfig(&u.resp.Diagnostics)
	if cfg == nil {
		return false
	}
	f, err := u.client.UpdateFunctionConfig(ctx, u.id, cfg)
	if err != nil {
		return u.fail(ctx, "Could not update the function's config", err, changeFailureHint(err))
	}
	u.last, u.redeploying = f, true
	return true
}

// updateEnvironment (faas-v1) sets the environment and the bound secrets.
func (u *functionUpdate) updateEnvironment(ctx context.Context) bool {
	if !u.changes.environment {
		return true
	}
	env, d1 := stringMap(ctx, u.plan.Environment)
	secrets, d2 := stringList(ctx, u.plan.Secrets)
	u.resp.Diagnostics.Append(d1...)
	u.resp.Diagnostics.Append(d2...)
	if u.resp.Diagnostics.HasError() {
		return false
	}
	f, err := u.client.UpdateFunctionEnvironment(ctx, u.id, &faas.EnvironmentUpdate{Environment: env, Secrets: secrets})
	if err != nil {
		return u.fail(ctx, "Could not update the function's environment or secrets", err, changeFailureHint(err))
	}
	u.last, u.redeploying = f, true
	return true
}

// updateMetadata (faas-v1) sets labels and annotations, without a redeploy.
func (u *functionUpdate) updateMetadata(ctx context.Context) bool {
	if !u.changes.metadata {
		return true
	}
	labels, d1 := stringMap(ctx, u.plan.Labels)
	annotations, d2 := stringMap(ctx, u.plan.Annotations)
	u.resp.Diagnostics.Append(d1...)
	u.resp.Diagnostics.Append(d2...)
	if u.resp.Diagnostics.HasError() {
		return false
	}
	f, err := u.client.UpdateFunctionMetadata(ctx, u.id, &faas.MetadataUpdate{Labels: labels, Annotations: annotations})
	if err != nil {
		return u.fail(ctx, "Could not update the function's labels or annotations", err, changeFailureHint(err))
	}
	u.last = f
	return true
}

// redeployIfFailed (faas-v1) redeploys a function found Failed that no other
// step redeploys.
func (u *functionUpdate) redeployIfFailed(ctx context.Context) bool {
	if u.redeploying || u.state.Status.ValueString() != faas.StatusFailed {
		return true
	}
	f, err := u.client.DeployFunction(ctx, u.id)
	if err != nil {
		return u.fail(ctx, "Could not redeploy the failed function", err, changeFailureHint(err))
	}
	u.last, u.redeploying = f, true
	return true
}

// updateWhole is the update of a dialect without partial updates
// (myaccount): any change among code, requirements, environment, secrets,
// memory and timeout, or a function found Failed, makes exactly one full
// update. The client waits for a deploy in progress to settle before it
// sends it.
func (u *functionUpdate) updateWhole(ctx context.Context) bool {
	if !u.changes.redeploys() && u.state.Status.ValueString() != faas.StatusFailed {
		return true
	}
	code, ok := u.r.code(ctx, u.plan, &u.resp.Diagnostics)
	if !ok {
		return false
	}
	defer code.Close()
	if !u.changes.config && !u.changes.environment && u.state.Status.ValueString() != faas.StatusFailed && code.alreadyDeployed(u.plan, u.state) {
		// Only the code's attributes changed (typically after an import),
		// and the API already runs that code: nothing to send, as the
		// plan said.
		tflog.Info(ctx, "deployed code already matches the configuration; not updating the function", map[string]any{"id": u.id})
		u.resp.Diagnostics.Append(setRequirementsFromCode(ctx, u.resp.Private, code, u.plan)...)
		return true
	}
	want, diags := u.plan.updateRequest(ctx, code)
	u.resp.Diagnostics.Append(diags...)
	if u.resp.Diagnostics.HasError() {
		return false
	}
	// The update's own answer is not recorded: the wait's says more.
	u.sentCode = true
	if _, err := u.client.UpdateFunction(ctx, u.id, want); err != nil {
		return u.fail(ctx, "Could not update the function", err, changeFailureHint(err))
	}
	u.resp.Diagnostics.Append(setRequirementsFromCode(ctx, u.resp.Private, code, u.plan)...)
	u.plan.CodeSHA256 = types.StringValue(code.sha256)
	u.redeploying = true
	return true
}

// waitForDeploy waits until a redeploy started by an earlier step is Running.
func (u *functionUpdate) waitForDeploy(ctx context.Context) bool {
	if !u.redeploying {
		return true
	}
	f, err := u.client.WaitForDeploy(ctx, u.id, faas.DefaultPoll)
	if f != nil {
		u.last = f
	}
	if err != nil {
		return u.fail(ctx, "The function's update did not deploy", err,
			"The previous settings stay in state, so the next plan shows this change again. Fix the cause, "+
				"or raise timeouts.update if the deploy only needs longer.")
	}
	return true
}

// refresh reads the function when no step got a full answer: none at all, or
// faas-v1's short form. A partial answer (myaccount) is as full as that
// dialect's answers get. When nothing was sent and the plan knows every
// value, there is nothing to learn: the plan is the new state, and a read
// could only make the result differ from what the plan promised.
func (u *functionUpdate) refresh(ctx context.Context) bool {
	if u.last != nil && (u.last.Fields != nil || u.last.Complete()) {
		return true
	}
	if u.last == nil && !u.redeploying && u.plan.computedKnown() {
		return true
	}
	f, err := u.client.GetFunction(ctx, u.id)
	if err != nil {
		return u.fail(ctx, "Could not read the function after updating it", err, "")
	}
	u.last = f
	return true
}

// save writes the plan, with what the API last said, as the new state.
func (u *functionUpdate) save(ctx context.Context) {
	if u.last != nil {
		u.plan.applyFunction(u.last)
	}
	u.plan.settle()
	u.resp.Diagnostics.Append(u.resp.State.Set(ctx, u.plan)...)
}
