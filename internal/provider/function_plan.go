package provider

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
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
	if r.data != nil {
		resp.Diagnostics.Append(checkDialect(ctx, r.data.client.Capabilities(), &plan)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	resp.Diagnostics.Append(r.checkCatalogue(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if plan.sourceKnown() {
		hash, diags := r.sourceHash(ctx, &plan)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
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
	if len(rts) == 0 {
		diags.AddWarning("Runtime catalogue is empty",
			"The E2E API answered with an empty runtime catalogue for this project and location, so runtime, template and hardware were "+
				"checked only against the built-in lists. If deploys fail, check that Functions is activated for the project in the MyAccount console.")
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
	// A number that is not a whole int64 (128.5, 1e30) cannot be read into
	// the model at all: say which attribute it is before trying.
	resp.Diagnostics.Append(wholeNumbers(req.Config.Raw)...)
	if resp.Diagnostics.HasError() {
		return
	}
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

// noNULValue refuses a NUL character in an environment value, which no
// process environment can hold (the deploy would fail). Unlike the library's
// regular-expression validator it never repeats the value, which is
// sensitive.
type noNULValue struct{}

func (noNULValue) Description(context.Context) string {
	return "must not contain a NUL character"
}

func (v noNULValue) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (noNULValue) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if strings.ContainsRune(req.ConfigValue.ValueString(), 0) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid environment value",
			"The value holds a NUL character, which no process environment can hold, so the deploy would fail. Remove it (the value itself is not shown: it is sensitive).")
	}
}

// configIntegers are the config block's whole-number attributes.
var configIntegers = []string{"memory_mb", "timeout_seconds", "replicas", "min_scale", "max_scale"}

// wholeNumbers checks, on the raw configuration, that every whole-number
// attribute of the config block holds a whole number that fits in 64 bits.
// The framework's own conversion fails with a message that names neither the
// attribute nor the rule.
func wholeNumbers(raw tftypes.Value) diag.Diagnostics {
	var diags diag.Diagnostics
	var attrs map[string]tftypes.Value
	if raw.IsNull() || !raw.IsKnown() || raw.As(&attrs) != nil {
		return diags
	}
	var blocks []tftypes.Value
	if cfg, ok := attrs["config"]; !ok || cfg.IsNull() || !cfg.IsKnown() || cfg.As(&blocks) != nil {
		return diags
	}
	for i, block := range blocks {
		var fields map[string]tftypes.Value
		if block.IsNull() || !block.IsKnown() || block.As(&fields) != nil {
			continue
		}
		for _, name := range configIntegers {
			v, ok := fields[name]
			if !ok || v.IsNull() || !v.IsKnown() {
				continue
			}
			var n big.Float
			if v.As(&n) != nil {
				continue
			}
			if _, acc := n.Int64(); n.IsInt() && acc == big.Exact {
				continue
			}
			diags.AddAttributeError(path.Root("config").AtListIndex(i).AtName(name), "Not a whole number",
				fmt.Sprintf("%s must be a whole number (such as %d); %s is not.", name, map[string]int{
					"memory_mb": defaultMemoryMB, "timeout_seconds": defaultTimeoutSeconds, "replicas": defaultReplicas,
					"min_scale": defaultMinScale, "max_scale": defaultMaxScale}[name], n.Text('g', 10)))
		}
	}
	return diags
}
