// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// functionChanges says which of the API's update groups a plan touches; each
// group has its own endpoint under faas-v1 (DESIGN.md#updates).
type functionChanges struct {
	code bool
	// codeSettings: requirements, handler or template changed, which the code
	// endpoint carries too.
	codeSettings bool
	config       bool
	environment  bool
	metadata     bool
	// codeDeployed: the code differs from the state's in its attributes
	// only; the API already runs it (functionCode.alreadyDeployed).
	codeDeployed bool
}

// uploadsCode: the apply sends the code.
func (c functionChanges) uploadsCode() bool { return c.code && !c.codeDeployed }

func (c functionChanges) redeploys() bool { return c.uploadsCode() || c.config || c.environment }

// writes: the apply sends the API anything at all.
func (c functionChanges) writes() bool { return c.redeploys() || c.metadata }

func differ(a, b attr.Value) bool { return !a.Equal(b) }

// diffFunction compares a plan with the state. Unknown planned values count
// as changes.
func diffFunction(plan, state *functionModel) functionChanges {
	var c functionChanges
	c.codeSettings = differ(plan.Requirements, state.Requirements) || differ(plan.HandlerFunction, state.HandlerFunction) ||
		differ(plan.Template, state.Template)
	c.code = c.codeSettings || differ(plan.CodeInline, state.CodeInline) || differ(plan.CodePath, state.CodePath) ||
		differ(plan.CodeArchive, state.CodeArchive) || differ(plan.CodeExcludes, state.CodeExcludes) ||
		differ(plan.SourceHash, state.SourceHash)
	planned, current := plan.effectiveConfig(), state.effectiveConfig()
	c.config = planned == nil || current == nil || *planned != *current
	c.environment = differ(plan.Environment, state.Environment) || differ(plan.Secrets, state.Secrets)
	c.metadata = differ(plan.Labels, state.Labels) || differ(plan.Annotations, state.Annotations)
	return c
}

// ModifyPlan does what the schema alone cannot:
//   - refuses what the API dialect cannot carry (checkDialect);
//   - checks runtime, template and hardware against the live catalogue;
//   - computes source_hash from the code at plan time, so edits inside
//     code_path show in the plan and bad code fails the plan, not the apply;
//   - replaces the function when the effective hardware type changes, which
//     includes adding or removing the config block (an absent block means
//     cpu, so an attribute plan modifier would not see the change);
//   - marks only what will really change as unknown: version and status on a
//     redeploy, updated_at on any write, code_sha256 on a code upload; code
//     the API already runs (after an import, say) is not uploaded again;
//   - plans a redeploy (status unknown) for a function found Failed;
//   - plans null, not unknown, what the dialect never returns.
//
// See DESIGN.md#validation-and-defaults and DESIGN.md#updates.
func (r *functionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan functionModel
	resp.Diagnostics.Append(getPlan(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *functionModel
	if !req.State.Raw.IsNull() {
		state = &functionModel{}
		resp.Diagnostics.Append(getState(ctx, req.State, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	replace, diags := r.planFunction(ctx, &plan, state, req.Private)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.RequiresReplace = append(resp.RequiresReplace, replace...)
	resp.Diagnostics.Append(setPlan(ctx, &resp.Plan, &plan)...)
}

// planFunction is ModifyPlan's work on the plan and the state (nil on
// create), whose private state is private: it edits plan and says what
// requires a replacement.
func (r *functionResource) planFunction(ctx context.Context, plan, state *functionModel, private privateGetter) (path.Paths, diag.Diagnostics) {
	var diags diag.Diagnostics
	if r.data != nil {
		diags.Append(checkDialect(r.data.client.Capabilities(), plan)...)
		if diags.HasError() {
			return nil, diags
		}
	}
	diags.Append(r.checkCatalogue(ctx, plan)...)
	if diags.HasError() {
		return nil, diags
	}

	var code *functionCode
	if plan.sourceKnown() {
		var codeDiags diag.Diagnostics
		code, codeDiags = r.planCode(ctx, plan, false)
		diags.Append(codeDiags...)
		if diags.HasError() {
			return nil, diags
		}
		defer code.Close()
		plan.SourceHash = types.StringValue(code.sourceHash)
	} else {
		plan.SourceHash = types.StringUnknown()
	}

	var replace path.Paths
	if state != nil {
		var changeDiags diag.Diagnostics
		replace, changeDiags = r.planChanges(ctx, plan, state, code, private)
		diags.Append(changeDiags...)
		if diags.HasError() {
			return nil, diags
		}
	}
	if r.data != nil {
		nullWhatIsNeverReturned(r.data.client.Capabilities(), plan)
	}
	return replace, diags
}

// planChanges is planFunction's part for a function that exists: the
// replacement, and what the apply will change. code is nil when the source
// is not known yet.
func (r *functionResource) planChanges(ctx context.Context, plan, state *functionModel, code *functionCode, private privateGetter) (path.Paths, diag.Diagnostics) {
	var diags diag.Diagnostics
	var replace path.Paths
	planned, current := plan.effectiveConfig(), state.effectiveConfig()
	if planned != nil && current != nil && planned.HardwareType != current.HardwareType {
		replace = append(replace, path.Root("config"))
	}
	changes := diffFunction(plan, state)
	if changes.code && code != nil {
		diags.Append(loadRequirementsFromCode(ctx, private, state)...)
		var deployedDiags diag.Diagnostics
		changes.codeDeployed, deployedDiags = r.codeDeployed(ctx, plan, state, code)
		diags.Append(deployedDiags...)
		if diags.HasError() {
			return nil, diags
		}
	}
	if changes.redeploys() || state.Status.ValueString() == faas.StatusFailed {
		plan.Status = types.StringUnknown()
		plan.Version = types.StringUnknown()
	}
	if changes.uploadsCode() {
		plan.CodeSHA256 = types.StringUnknown()
	}
	if changes.writes() || plan.Status.IsUnknown() {
		plan.UpdatedAt = types.StringUnknown()
	}
	return replace, diags
}

// nullWhatIsNeverReturned plans as null the attributes the dialect's answers
// never carry (DESIGN.md#api-dialects): the apply always ends them null, so
// "(known after apply)" would promise a value that never comes.
func nullWhatIsNeverReturned(caps faas.Capabilities, plan *functionModel) {
	nullUnanswered(caps.Answers, &plan.Namespace, &plan.Version, &plan.InvocationCount)
}

// checkCatalogue checks runtime, template and hardware against the live
// catalogue when they are known; unknown values are skipped, not guessed. A
// catalogue that cannot be read for a passing reason is a warning: the
// static checks still ran. One refused for the credentials, not found, or
// at an endpoint where nothing answers fails the plan: the apply would.
func (r *functionResource) checkCatalogue(ctx context.Context, plan *functionModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if r.data == nil || plan.Runtime.IsUnknown() {
		return diags
	}
	template := ""
	if !plan.Template.IsUnknown() {
		template = plan.Template.ValueString()
	}
	hardware := ""
	if cfg := plan.effectiveConfig(); cfg != nil {
		hardware = cfg.HardwareType
	}
	rts, err := r.data.catalogue.get(ctx, r.data.client)
	switch {
	case errors.Is(err, faas.ErrUnauthorized):
		// Wrong credentials fail the plan, before anything is written.
		addAPIError(&diags, "The E2E API refused the credentials", err, "")
		return diags
	case faas.IsUnreachable(err):
		// Nothing listens there: the apply could only fail, later.
		addAPIError(&diags, "The E2E API cannot be reached", err, "")
		return diags
	case faas.IsForeignAnswer(err), faas.IsNotFound(err):
		// Every endpoint of the API serves the catalogue: this is not one.
		addAPIError(&diags, "No E2E FaaS API at api_endpoint", err, fmt.Sprintf(
			"The runtime catalogue is not found at api_endpoint = %q with api_flavor = %q: check both.", r.data.endpoint, string(r.data.client.Dialect())))
		return diags
	}
	if err != nil {
		diags.AddWarning("Runtime catalogue not checked",
			"The plan could not read the E2E runtime catalogue, so runtime, template and hardware were checked only against the built-in lists: "+err.Error())
		return diags
	}
	if len(rts) == 0 {
		diags.AddWarning("Runtime catalogue is empty",
			"The E2E API answered with an empty runtime catalogue for this project and location, so runtime, template and hardware were "+
				"checked only against the built-in lists. If deploys fail, check that Functions is activated for the project in the MyAccount console.")
		return diags
	}
	return checkAgainstCatalogue(rts, string(r.data.client.Dialect()), plan.Runtime.ValueString(), template, hardware, plan.configAttribute("hardware_type"))
}
