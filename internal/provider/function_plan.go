package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// functionChanges says which of the API's update groups a plan touches; each
// group has its own endpoint.
type functionChanges struct {
	code bool
	// codeSettings: requirements, handler or template changed, which the code
	// endpoint carries too.
	codeSettings bool
	config       bool
	environment  bool
	metadata     bool
}

func (c functionChanges) redeploys() bool { return c.code || c.config || c.environment }

func (c functionChanges) any() bool { return c.redeploys() || c.metadata }

func differ(a, b attr.Value) bool { return !a.Equal(b) }

// diffFunction compares a plan with the state. Unknown planned values count
// as changes.
func diffFunction(ctx context.Context, plan, state *functionModel) (functionChanges, diag.Diagnostics) {
	var c functionChanges
	c.codeSettings = differ(plan.Requirements, state.Requirements) || differ(plan.HandlerFunction, state.HandlerFunction) ||
		differ(plan.Template, state.Template)
	c.code = c.codeSettings || differ(plan.CodeInline, state.CodeInline) || differ(plan.CodePath, state.CodePath) ||
		differ(plan.CodeArchive, state.CodeArchive) || differ(plan.CodeExcludes, state.CodeExcludes) ||
		differ(plan.SourceHash, state.SourceHash)
	planned, known, diags := plan.effectiveConfig(ctx)
	current, _, d := state.effectiveConfig(ctx)
	diags.Append(d...)
	c.config = !known || planned != current
	c.environment = differ(plan.Environment, state.Environment) || differ(plan.Secrets, state.Secrets)
	c.metadata = differ(plan.Labels, state.Labels) || differ(plan.Annotations, state.Annotations)
	return c, diags
}

// ModifyPlan does what the schema alone cannot:
//   - checks runtime, template and hardware against the live catalogue;
//   - computes source_hash from the code at plan time, so edits inside
//     code_path show in the plan and bad code fails the plan, not the apply;
//   - replaces the function when the effective hardware type changes, which
//     includes adding or removing the config block (an absent block means
//     cpu, so an attribute plan modifier would not see the change);
//   - marks only what will really change as unknown: version and status on a
//     redeploy, updated_at on any change, code_sha256 on a code change;
//   - plans a redeploy (status unknown) for a function found Failed.
func (r *functionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan functionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.checkCatalogue(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if plan.sourceKnown() {
		src, diags := plan.source(ctx)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		hash, err := packaging.Hash(src)
		if err != nil {
			addPackagingError(&resp.Diagnostics, err)
			return
		}
		plan.SourceHash = types.StringValue(hash)
	} else {
		plan.SourceHash = types.StringUnknown()
	}

	if !req.State.Raw.IsNull() {
		var state functionModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		planned, known, diags := plan.effectiveConfig(ctx)
		resp.Diagnostics.Append(diags...)
		current, _, diags := state.effectiveConfig(ctx)
		resp.Diagnostics.Append(diags...)
		if known && planned.HardwareType != current.HardwareType {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("config"))
		}
		changes, diags := diffFunction(ctx, &plan, &state)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		if changes.redeploys() || state.Status.ValueString() == faas.StatusFailed {
			plan.Status = types.StringUnknown()
			plan.Version = types.StringUnknown()
		}
		if changes.code {
			plan.CodeSHA256 = types.StringUnknown()
		}
		if changes.any() || plan.Status.IsUnknown() {
			plan.UpdatedAt = types.StringUnknown()
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// checkCatalogue checks runtime, template and hardware against the live
// catalogue when they are known; unknown values are skipped, not guessed. A
// catalogue that cannot be read is a warning: the static checks still ran.
func (r *functionResource) checkCatalogue(ctx context.Context, plan *functionModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if r.data == nil || plan.Runtime.IsUnknown() {
		return diags
	}
	template := ""
	if !plan.Template.IsUnknown() {
		template = plan.Template.ValueString()
	}
	hardware, hardwarePath := "", path.Root("config")
	if cfg, known, _ := plan.effectiveConfig(ctx); known {
		hardware = cfg.HardwareType
		if len(plan.Config.Elements()) > 0 {
			hardwarePath = hardwarePath.AtListIndex(0).AtName("hardware_type")
		}
	}
	rts, err := r.data.catalogue.get(ctx, r.data.client)
	if errors.Is(err, faas.ErrUnauthorized) {
		// Wrong credentials fail the plan, before anything is written.
		addAPIError(&diags, "The E2E API refused the credentials", err, "")
		return diags
	}
	if err != nil {
		diags.AddWarning("Runtime catalogue not checked",
			"The plan could not read the E2E runtime catalogue, so runtime, template and hardware were checked only against the built-in lists: "+err.Error())
		return diags
	}
	return checkAgainstCatalogue(rts, plan.Runtime.ValueString(), template, hardware, hardwarePath)
}

// configBlockValidator checks the rules that tie config attributes together.
type configBlockValidator struct{}

func (configBlockValidator) Description(context.Context) string {
	return "replicas above 1 need hardware_type cpu, and min_scale must not exceed max_scale"
}

func (v configBlockValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (configBlockValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var blocks []functionConfigModel
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("config"), &blocks)...)
	if resp.Diagnostics.HasError() || len(blocks) == 0 {
		return
	}
	b := blocks[0]
	at := path.Root("config").AtListIndex(0)
	if !b.Replicas.IsNull() && !b.Replicas.IsUnknown() && b.Replicas.ValueInt64() > 1 &&
		!b.HardwareType.IsNull() && !b.HardwareType.IsUnknown() && b.HardwareType.ValueString() != "cpu" {
		resp.Diagnostics.AddAttributeError(at.AtName("replicas"), "Replicas need cpu hardware",
			fmt.Sprintf("replicas = %d is only possible with hardware_type = \"cpu\"; a %s function runs one replica. Set replicas = 1 or use cpu.",
				b.Replicas.ValueInt64(), b.HardwareType.ValueString()))
	}
	minScale, maxScale := int64(defaultMinScale), int64(defaultMaxScale)
	if b.MinScale.IsUnknown() || b.MaxScale.IsUnknown() {
		return
	}
	if !b.MinScale.IsNull() {
		minScale = b.MinScale.ValueInt64()
	}
	if !b.MaxScale.IsNull() {
		maxScale = b.MaxScale.ValueInt64()
	}
	if minScale > maxScale {
		resp.Diagnostics.AddAttributeError(at.AtName("min_scale"), "min_scale exceeds max_scale",
			fmt.Sprintf("min_scale (%d) must be at most max_scale (%d); lower min_scale or raise max_scale.", minScale, maxScale))
	}
}

// noPrefix is a string validator for map keys that must not start with a
// reserved prefix; the validators library has no negated prefix check.
type noPrefix string

func (p noPrefix) Description(context.Context) string {
	return fmt.Sprintf("must not start with %q", string(p))
}

func (p noPrefix) MarkdownDescription(ctx context.Context) string { return p.Description(ctx) }

func (p noPrefix) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if strings.HasPrefix(req.ConfigValue.ValueString(), string(p)) {
		resp.Diagnostics.AddAttributeError(req.Path, "Reserved key",
			fmt.Sprintf("%q starts with %q, which the platform reserves for its own settings; choose another key.", req.ConfigValue.ValueString(), string(p)))
	}
}
