// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// The checks the validators library has no form for: the rules of
// DESIGN.md#validation-and-defaults that tie attributes together, and those
// that depend on the API dialect or on the live runtime catalogue, which run
// at plan time (ModifyPlan) rather than on the configuration alone.

var (
	_ resource.ConfigValidator = configBlockValidator{}
	_ validator.String         = noPrefix("")
	_ validator.String         = noNULValue{}
)

// configBlockValidator checks the rules that tie config attributes together.
type configBlockValidator struct{}

func (configBlockValidator) Description(context.Context) string {
	return "replicas above 1 need hardware_type cpu, and min_scale must not exceed max_scale"
}

func (v configBlockValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (configBlockValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	// A number that is not a whole int64 (128.5) reads as unknown here: its
	// own value reports it (wholeNumber.ValidateAttribute). No block (the
	// usual case) is told from the raw value, without reflection.
	if noBlocks(req.Config.Raw, "config") {
		return
	}
	var blocks []configBlockModel
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

// configIntegers are the config block's whole-number attributes and their
// defaults, which wholeNumber's error message gives as an example.
var configIntegers = []struct {
	name     string
	fallback int64
}{
	{"memory_mb", defaultMemoryMB},
	{"timeout_seconds", defaultTimeoutSeconds},
	{"replicas", defaultReplicas},
	{"min_scale", defaultMinScale},
	{"max_scale", defaultMaxScale},
}

// checkDialect fails the plan for settings the configured API cannot carry
// (DESIGN.md#api-dialects): each rule reads its own capability, so a
// dialect is only its faas.Capabilities (faas-v1 has a fixed runtime list;
// MyAccount has narrower limits and none of the settings below). Values
// unknown at plan time are skipped.
func checkDialect(caps faas.Capabilities, plan *functionModel) diag.Diagnostics {
	var diags diag.Diagnostics
	unsupported := func(p path.Path, what string) {
		diags.AddAttributeError(p, "Not supported by the MyAccount API",
			fmt.Sprintf("%s. The "+myAccountAPIName+" has no such setting. "+
				"Remove it from the configuration, or use the faas-v1 API: %s", what, otherDialect(flavorMyAccount)))
	}
	if rt := plan.Runtime; len(caps.Runtimes) > 0 && !rt.IsUnknown() && !slices.Contains(caps.Runtimes, rt.ValueString()) {
		diags.AddAttributeError(path.Root("runtime"), "Runtime not offered by the faas-v1 API",
			fmt.Sprintf("Attribute runtime value must be one of: [%s], got: %q. %s",
				strings.Join(quotedList(caps.Runtimes), " "), rt.ValueString(), dialectHint(flavorFaaSV1, rt.ValueString())))
	}
	if n := plan.Name; !n.IsUnknown() && !n.IsNull() && !caps.Limits.NameFits(n.ValueString()) {
		diags.AddAttributeError(path.Root("name"), "Invalid function name for E2E",
			fmt.Sprintf("Under the "+myAccountAPIName+" function names start with a letter and have at most %d characters; "+
				"%q does not fit. Choose a shorter name starting with a letter, or use the faas-v1 API: %s",
				caps.Limits.NameMax, n.ValueString(), otherDialect(flavorMyAccount)))
	}
	if t := plan.Template; !caps.Templates && !t.IsUnknown() && !t.IsNull() && t.ValueString() != defaultTemplate {
		unsupported(path.Root("template"), fmt.Sprintf("template = %q: the runtime decides the template", t.ValueString()))
	}
	if h := plan.HandlerFunction; !caps.HandlerFunction && !h.IsUnknown() && !h.IsNull() && h.ValueString() != defaultHandler {
		unsupported(path.Root("handler_function"), fmt.Sprintf("handler_function = %q: the runtime calls %q", h.ValueString(), defaultHandler))
	}
	for name, m := range map[string]types.Map{"labels": plan.Labels, "annotations": plan.Annotations} {
		if !caps.Metadata && !m.IsUnknown() && len(m.Elements()) > 0 {
			unsupported(path.Root(name), name+" are set")
		}
	}
	cfg := plan.effectiveConfig()
	if cfg == nil {
		return diags
	}
	at := plan.configAttribute
	for _, s := range []struct {
		name     string
		value    int64
		fallback int64
	}{{"replicas", cfg.Replicas, defaultReplicas}, {"min_scale", cfg.MinScale, defaultMinScale}, {"max_scale", cfg.MaxScale, defaultMaxScale}} {
		if !caps.Scaling && s.value != s.fallback {
			unsupported(at(s.name), fmt.Sprintf("%s = %d (the platform scales functions itself)", s.name, s.value))
		}
	}
	if limits := caps.Limits; !limits.MemoryAccepted(cfg.MemoryMB) {
		if len(limits.MemoryChoicesMB) > 0 {
			diags.AddAttributeError(at("memory_mb"), "Memory size not offered by E2E",
				fmt.Sprintf("The "+myAccountAPIName+" accepts memory_mb of %s; %d is not one of them. "+
					"Choose one of them, or use the faas-v1 API: %s", catalogue.JoinValues(limits.MemoryChoicesMB), cfg.MemoryMB, otherDialect(flavorMyAccount)))
		} else {
			diags.AddAttributeError(at("memory_mb"), "Memory size not offered by E2E",
				fmt.Sprintf("The API accepts memory_mb from %d to %d; %d is not in that range.", limits.MemoryMinMB, limits.MemoryMaxMB, cfg.MemoryMB))
		}
	}
	if maxTimeout := caps.Limits.TimeoutMaxSeconds; cfg.TimeoutSeconds > maxTimeout {
		diags.AddAttributeError(at("timeout_seconds"), "Timeout too long for E2E",
			fmt.Sprintf("The "+myAccountAPIName+" accepts timeout_seconds from 1 to %d; %d is more. "+
				"Lower it, or use the faas-v1 API: %s", maxTimeout, cfg.TimeoutSeconds, otherDialect(flavorMyAccount)))
	}
	return diags
}

// addNoLabelFilterError refuses a label filter where the API has no labels
// (Capabilities.LabelFilter), for data.e2e_faas_functions and the list
// resource alike; instead is what they can filter by.
func addNoLabelFilterError(diags *diag.Diagnostics, instead string) {
	diags.AddAttributeError(path.Root("labels"), "Not supported by the MyAccount API",
		"The "+myAccountAPIName+" has no labels, so functions cannot be listed by label. "+
			"Remove labels and filter by "+instead+" instead, or use the faas-v1 API: "+otherDialect(flavorMyAccount))
}

// checkAgainstCatalogue fails the plan when the region's catalogue, read
// through the dialect (an api_flavor value), does not offer the runtime, its
// template or its hardware. Values unknown at plan time are passed as "" and
// skipped.
func checkAgainstCatalogue(rts []faas.Runtime, dialect, runtime, template, hardware string, hardwarePath path.Path) diag.Diagnostics {
	var diags diag.Diagnostics
	if runtime == "" {
		return diags
	}
	i := slices.IndexFunc(rts, func(r faas.Runtime) bool { return r.Name == runtime })
	if i < 0 {
		names := make([]string, len(rts))
		for j, r := range rts {
			names[j] = r.Name
		}
		diags.AddAttributeError(path.Root("runtime"), "Runtime not offered here",
			fmt.Sprintf("The E2E runtime catalogue for this project and location has no %q. Available: %s. %s",
				runtime, strings.Join(names, ", "), dialectHint(dialect, runtime)))
		return diags
	}
	rt := rts[i]
	// A catalogue without templates (myaccount) leaves the template alone.
	if template != "" && len(rt.Templates) > 0 && !slices.Contains(rt.Templates, template) {
		diags.AddAttributeError(path.Root("template"), "Template not offered by the runtime",
			fmt.Sprintf("Runtime %s offers the templates %s; %q is not one of them.", runtime, strings.Join(rt.Templates, ", "), template))
	}
	if hardware != "" && !slices.Contains(rt.Hardware, hardware) {
		diags.AddAttributeError(hardwarePath, "Hardware not offered by the runtime",
			fmt.Sprintf("Runtime %s runs on %s; %q is not available for it. Choose a runtime that offers %s (see data.e2e_faas_runtimes).",
				runtime, strings.Join(rt.Hardware, ", "), hardware, hardware))
	}
	return diags
}

// The APIs as messages name them.
const (
	faasV1APIName    = `faas-v1 API (api_flavor = "faas-v1")`
	myAccountAPIName = `MyAccount API (api_flavor = "myaccount", the API E2E serves)`
)

// otherDialect says how to pick the API other than current.
func otherDialect(current string) string {
	if current == flavorMyAccount {
		return "set api_flavor = \"faas-v1\" (or E2E_API_FLAVOR=faas-v1) with an api_endpoint of that API, " +
			"such as e2e-faas-local's /faas/api/v1/ (e2e-faas-local -dialect faas-v1 prints its settings)."
	}
	return "set api_flavor = \"myaccount\" (or E2E_API_FLAVOR=myaccount) with an api_endpoint of that API, " +
		"such as e2e-faas-local's /myaccount/api/v1/ (e2e-faas-local prints its settings by default), or leave api_endpoint unset for E2E's."
}

// dialectHint names the API whose runtimes were checked and, when the
// runtime belongs to the other API's catalogue, says so and how to pick it.
func dialectHint(current, runtime string) string {
	name := map[string]string{
		flavorFaaSV1:    "the " + faasV1APIName,
		flavorMyAccount: "the " + myAccountAPIName,
	}
	other, otherCatalogue := flavorMyAccount, catalogue.MyAccount
	if current == flavorMyAccount {
		other, otherCatalogue = flavorFaaSV1, catalogue.FaaSV1
	}
	hint := "The runtimes were checked against " + name[current] + "."
	if _, ok := otherCatalogue.Lookup(runtime); ok {
		hint += fmt.Sprintf(" %q is a runtime of %s: to use it, %s", runtime, name[other], otherDialect(current))
	} else {
		hint += " For the other API, " + otherDialect(current)
	}
	return hint
}
