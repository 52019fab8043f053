// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// functionModel is e2e_faas_function in Terraform's terms. The conversions
// between it and the API's objects live in this file: applyFunction (API to
// model) for Create, Read, Update and import alike, and updateRequest (model
// to API) for create and the full update.
type functionModel struct {
	ID              types.String   `tfsdk:"id"`
	Name            types.String   `tfsdk:"name"`
	Runtime         types.String   `tfsdk:"runtime"`
	Template        types.String   `tfsdk:"template"`
	CodePath        types.String   `tfsdk:"code_path"`
	CodeArchive     types.String   `tfsdk:"code_archive"`
	CodeInline      types.String   `tfsdk:"code_inline"`
	CodeExcludes    types.List     `tfsdk:"code_excludes"`
	SourceHash      types.String   `tfsdk:"source_hash"`
	HandlerFunction types.String   `tfsdk:"handler_function"`
	Requirements    types.String   `tfsdk:"requirements"`
	Config          types.List     `tfsdk:"config"`
	Environment     types.Map      `tfsdk:"environment"`
	Secrets         types.List     `tfsdk:"secrets"`
	Labels          types.Map      `tfsdk:"labels"`
	Annotations     types.Map      `tfsdk:"annotations"`
	Namespace       types.String   `tfsdk:"namespace"`
	InvokeURL       types.String   `tfsdk:"invoke_url"`
	Status          types.String   `tfsdk:"status"`
	Version         types.String   `tfsdk:"version"`
	CodeSHA256      types.String   `tfsdk:"code_sha256"`
	InvocationCount types.Int64    `tfsdk:"invocation_count"`
	CreatedAt       types.String   `tfsdk:"created_at"`
	UpdatedAt       types.String   `tfsdk:"updated_at"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`

	// requirementsFromCode is the SHA-256 of requirements that came from the
	// code's requirements file (myaccount, requirements attribute unset); it
	// lives in private state, not in the schema.
	requirementsFromCode string `tfsdk:"-"`
}

// functionConfigModel is the config block; the data sources' config object
// has the same attributes.
type functionConfigModel struct {
	MemoryMB       types.Int64  `tfsdk:"memory_mb"`
	TimeoutSeconds types.Int64  `tfsdk:"timeout_seconds"`
	Replicas       types.Int64  `tfsdk:"replicas"`
	HardwareType   types.String `tfsdk:"hardware_type"`
	MinScale       types.Int64  `tfsdk:"min_scale"`
	MaxScale       types.Int64  `tfsdk:"max_scale"`
}

// configBlockModel is the resource's config block as the configuration
// holds it, its numbers of wholeNumberType.
type configBlockModel struct {
	MemoryMB       wholeNumber  `tfsdk:"memory_mb"`
	TimeoutSeconds wholeNumber  `tfsdk:"timeout_seconds"`
	Replicas       wholeNumber  `tfsdk:"replicas"`
	HardwareType   types.String `tfsdk:"hardware_type"`
	MinScale       wholeNumber  `tfsdk:"min_scale"`
	MaxScale       wholeNumber  `tfsdk:"max_scale"`
}

// effectiveConfig is the configuration the API should run: the block's
// values over the defaults, or the defaults when the block is left out. It is
// nil while any value is unknown, which happens only at plan time: once
// planned, a configuration is always known.
func (m *functionModel) effectiveConfig() *faas.FunctionConfig {
	if m.Config.IsUnknown() {
		return nil
	}
	cfg := defaultConfig
	blocks := m.Config.Elements()
	if len(blocks) == 0 {
		return &cfg
	}
	block, ok := blocks[0].(types.Object)
	if !ok || block.IsUnknown() {
		return nil
	}
	attrs := block.Attributes()
	for name, dst := range map[string]*int64{
		"memory_mb":       &cfg.MemoryMB,
		"timeout_seconds": &cfg.TimeoutSeconds,
		"replicas":        &cfg.Replicas,
		"min_scale":       &cfg.MinScale,
		"max_scale":       &cfg.MaxScale,
	} {
		v, _ := attrs[name].(wholeNumber)
		if v.IsUnknown() {
			return nil
		}
		if !v.IsNull() {
			*dst = v.ValueInt64()
		}
	}
	hardware, _ := attrs["hardware_type"].(types.String)
	if hardware.IsUnknown() {
		return nil
	}
	if !hardware.IsNull() {
		cfg.HardwareType = hardware.ValueString()
	}
	return &cfg
}

// plannedConfig is effectiveConfig at apply time, when the plan is known. A
// value still unknown there is a bug, reported on the config block.
func (m *functionModel) plannedConfig(diags *diag.Diagnostics) *faas.FunctionConfig {
	cfg := m.effectiveConfig()
	if cfg == nil {
		diags.AddAttributeError(path.Root("config"), "Configuration unknown at apply",
			"The config block still holds unknown values at apply time. This is a bug in the provider; please report it.")
	}
	return cfg
}

// configAttribute is where a diagnostic about a config setting goes: the
// attribute in the block, or the block itself when it is left out (the
// setting is then its default).
func (m *functionModel) configAttribute(name string) path.Path {
	if len(m.Config.Elements()) == 0 {
		return path.Root("config")
	}
	return path.Root("config").AtListIndex(0).AtName(name)
}

// source is the packaging input the model describes.
func (m *functionModel) source(ctx context.Context) (packaging.Source, diag.Diagnostics) {
	src := packaging.Source{
		Inline:       m.CodeInline.ValueString(),
		Dir:          m.CodePath.ValueString(),
		ArchivePath:  m.CodeArchive.ValueString(),
		Runtime:      m.Runtime.ValueString(),
		Template:     m.Template.ValueString(),
		Requirements: m.Requirements.ValueString(),
	}
	if src.Template == "" {
		src.Template = defaultTemplate
	}
	var diags diag.Diagnostics
	if !m.CodeExcludes.IsNull() && !m.CodeExcludes.IsUnknown() {
		diags = m.CodeExcludes.ElementsAs(ctx, &src.Excludes, false)
	}
	return src, diags
}

// sourceKnown reports whether every input of the archive is known at plan time.
func (m *functionModel) sourceKnown() bool {
	for _, v := range []attr.Value{m.CodeInline, m.CodePath, m.CodeArchive, m.CodeExcludes, m.Runtime, m.Template, m.Requirements} {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// applyFunction copies what the API says into the resource's model: the
// resource's one conversion from API object to state, for Create, Read,
// Update and import. (The data sources convert to their own model,
// describeFunction in function_data_source.go: they show what the API says
// and have no configuration to keep.) The
// code source attributes are the user's and stay as they are; a deployed
// archive that is not the one this provider last uploaded shows as a changed
// source_hash (the drift marker below), so the next plan updates the code.
//
// A partial answer (myaccount) changes only what it carries: a field it does
// not carry keeps the model's value, and attributes that dialect never
// returns (namespace, version, invocation_count) are null.
func (m *functionModel) applyFunction(f *faas.Function) {
	if f.Fields != nil {
		m.applyPartialFunction(f)
		return
	}
	m.ID = types.StringValue(f.ID)
	m.Name = types.StringValue(f.Name)
	m.Namespace = types.StringValue(f.Namespace)
	m.Status = types.StringValue(f.Status)
	if f.CreatedAt != "" {
		m.CreatedAt = types.StringValue(f.CreatedAt)
	}
	if !f.Complete() {
		// The short create response: the rest comes with the next read.
		return
	}
	if f.Runtime != "" {
		m.Runtime = types.StringValue(f.Runtime)
	}
	if f.Template != "" {
		m.Template = types.StringValue(f.Template)
	}
	if f.HandlerFunction != "" {
		m.HandlerFunction = types.StringValue(f.HandlerFunction)
	}
	m.applyRequirements(f.Requirements)
	if f.Config != nil {
		m.applyConfig(*f.Config)
	}
	m.Environment = mapValue(f.Environment)
	m.Secrets = listValue(f.Secrets)
	m.Labels = mapValue(userMetadata(f.Labels))
	m.Annotations = mapValue(userMetadata(f.Annotations))
	m.InvokeURL = optionalString(f.InvokeURL)
	m.Version = optionalString(f.Version)
	m.applyCodeSHA256(f.CodeSHA256)
	m.InvocationCount = types.Int64Value(f.InvocationCount)
	m.UpdatedAt = optionalString(f.UpdatedAt)
}

// nullUnanswered nulls namespace, version and invocation_count where
// answers does not hold them: the one rule of what a dialect never returns
// (DESIGN.md#api-dialects), for the plan (faas.Capabilities.Answers), the
// state and the data sources (faas.Function.Carries).
func nullUnanswered(answers func(faas.Field) bool, namespace, version *types.String, invocations *types.Int64) {
	if !answers(faas.FieldNamespace) {
		*namespace = types.StringNull()
	}
	if !answers(faas.FieldVersion) {
		*version = types.StringNull()
	}
	if !answers(faas.FieldInvocationCount) {
		*invocations = types.Int64Null()
	}
}

func (m *functionModel) applyPartialFunction(f *faas.Function) {
	m.ID = types.StringValue(f.ID)
	m.Name = types.StringValue(f.Name)
	m.Status = types.StringValue(f.Status)
	nullUnanswered(f.Carries, &m.Namespace, &m.Version, &m.InvocationCount)
	// What the dialect has no field for can only be the default (the plan
	// refuses anything else); an import starts from nulls.
	if m.Template.IsNull() {
		m.Template = types.StringValue(defaultTemplate)
	}
	if m.HandlerFunction.IsNull() {
		m.HandlerFunction = types.StringValue(defaultHandler)
	}
	for _, mp := range []*types.Map{&m.Labels, &m.Annotations, &m.Environment} {
		if mp.IsNull() {
			*mp = mapValue(nil)
		}
	}
	if m.Secrets.IsNull() {
		m.Secrets = listValue(nil)
	}
	if f.Carries(faas.FieldRuntime) && f.Runtime != "" {
		m.Runtime = types.StringValue(f.Runtime)
	}
	if f.Carries(faas.FieldRequirements) {
		if m.requirementsFromCode != "" && m.Requirements.IsNull() {
			if textSHA256(f.Requirements) != m.requirementsFromCode {
				m.markCodeChangedOutside("requirements")
			}
		} else {
			m.applyRequirements(f.Requirements)
		}
	}
	if cfg := m.effectiveConfig(); cfg != nil && f.Config != nil {
		if f.Carries(faas.FieldMemory) {
			cfg.MemoryMB = f.Config.MemoryMB
		}
		if f.Carries(faas.FieldTimeout) {
			cfg.TimeoutSeconds = f.Config.TimeoutSeconds
		}
		if f.Carries(faas.FieldHardware) && f.Config.HardwareType != "" {
			cfg.HardwareType = f.Config.HardwareType
		}
		m.applyConfig(*cfg)
	}
	if f.Carries(faas.FieldEnvironment) {
		m.Environment = mapValue(f.Environment)
	}
	if f.Carries(faas.FieldSecrets) {
		m.Secrets = listValue(f.Secrets)
	}
	if f.Carries(faas.FieldInvokeURL) {
		m.InvokeURL = optionalString(f.InvokeURL)
	}
	if f.Carries(faas.FieldCode) {
		m.applyCodeSHA256(f.CodeSHA256)
	}
	if f.CreatedAt != "" {
		m.CreatedAt = types.StringValue(f.CreatedAt)
	}
	if f.UpdatedAt != "" {
		m.UpdatedAt = types.StringValue(f.UpdatedAt)
	}
}

// applyRequirements keeps requirements null when the API says there are
// none and the configuration set none.
func (m *functionModel) applyRequirements(requirements string) {
	if requirements != "" || (!m.Requirements.IsNull() && !m.Requirements.IsUnknown()) {
		m.Requirements = optionalString(requirements)
	} else {
		m.Requirements = types.StringNull()
	}
}

// applyConfig stores the API's config, keeping the block absent when the
// configuration left it out and the API runs the defaults.
func (m *functionModel) applyConfig(cfg faas.FunctionConfig) {
	absent := m.Config.IsNull() || m.Config.IsUnknown() || len(m.Config.Elements()) == 0
	if absent && cfg == defaultConfig {
		m.Config = emptyConfigList()
	} else {
		m.Config = configList(&cfg)
	}
}

// The drift marker (DESIGN.md#code-and-drift). When the API reports code this
// provider did not deploy (another code_sha256, or under myaccount other
// requirements than the code's file), Read writes codeChangedOutside plus
// what changed into source_hash. It never equals a real hash, so the next
// plan shows source_hash going from the marker back to the configured code's
// hash: an in-place update of the code, in both dialects, that says why.
//
// The marker stays in source_hash rather than in private state: Terraform
// plans an update only for a changed attribute value, never for private
// state, so private state would need another attribute marked unknown just to
// get the update planned, and the plan would then show "(known after apply)"
// where it now shows "changed-outside-terraform:sha256:<the API's hash>". The
// marker is written only by Read (and Update's refresh), and only into a
// state whose source_hash is known.
const codeChangedOutside = "changed-outside-terraform:sha256:"

// applyCodeSHA256 records the deployed code's hash and, when it is not the
// one this provider deployed, sets the drift marker.
func (m *functionModel) applyCodeSHA256(sum string) {
	if sum == "" {
		return
	}
	known := m.CodeSHA256.ValueString()
	if known != "" && known != sum && !m.SourceHash.IsUnknown() {
		m.SourceHash = types.StringValue(codeChangedOutside + sum)
	}
	m.CodeSHA256 = types.StringValue(sum)
}

// markCodeChangedOutside sets the drift marker for another reason than a
// changed hash.
func (m *functionModel) markCodeChangedOutside(reason string) {
	if !m.SourceHash.IsUnknown() {
		m.SourceHash = types.StringValue(codeChangedOutside + reason)
	}
}

// computedKnown reports whether every value the API computes is known in
// the model, as in a plan that changes nothing on the server.
func (m *functionModel) computedKnown() bool {
	for _, v := range []attr.Value{m.ID, m.Namespace, m.InvokeURL, m.Status, m.Version, m.CodeSHA256, m.InvocationCount, m.CreatedAt, m.UpdatedAt} {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// settle replaces what is still unknown after an apply with null, so the
// state written on a partial failure is valid.
func (m *functionModel) settle() {
	for _, s := range []*types.String{&m.ID, &m.Template, &m.SourceHash, &m.HandlerFunction, &m.Requirements, &m.Namespace,
		&m.InvokeURL, &m.Status, &m.Version, &m.CodeSHA256, &m.CreatedAt, &m.UpdatedAt} {
		if s.IsUnknown() {
			*s = types.StringNull()
		}
	}
	if m.InvocationCount.IsUnknown() {
		m.InvocationCount = types.Int64Null()
	}
	if m.Config.IsUnknown() {
		m.Config = emptyConfigList()
	}
	for _, mp := range []*types.Map{&m.Environment, &m.Labels, &m.Annotations} {
		if mp.IsUnknown() {
			*mp = types.MapValueMust(types.StringType, map[string]attr.Value{})
		}
	}
	if m.Secrets.IsUnknown() {
		m.Secrets = listValue(nil)
	}
}

// updateRequest is every setting of the model with the code, as both
// dialects' create and full update take them.
func (m *functionModel) updateRequest(ctx context.Context, code *functionCode) (*faas.UpdateFunctionRequest, diag.Diagnostics) {
	var diags, d diag.Diagnostics
	req := &faas.UpdateFunctionRequest{
		Runtime:         m.Runtime.ValueString(),
		Template:        m.Template.ValueString(),
		HandlerFunction: m.HandlerFunction.ValueString(),
		Requirements:    code.requirements(m),
		Config:          m.plannedConfig(&diags),
	}
	req.Environment, d = stringMap(ctx, m.Environment)
	diags.Append(d...)
	req.Secrets, d = stringList(ctx, m.Secrets)
	diags.Append(d...)
	req.Labels, d = stringMap(ctx, m.Labels)
	diags.Append(d...)
	req.Annotations, d = stringMap(ctx, m.Annotations)
	diags.Append(d...)
	if code.archive != nil {
		req.Code = code.archive
	} else {
		req.CodeText = code.single.Code
	}
	req.CodeSHA256 = code.sha256
	return req, diags
}

// createRequest is the create of the function named name with the settings
// of an update request.
func createRequest(name string, want *faas.UpdateFunctionRequest) *faas.CreateFunctionRequest {
	return &faas.CreateFunctionRequest{Name: name, FunctionSpec: *want}
}

// differsFrom reports whether a function found on the server (adopted after a
// lost create answer) differs from what the update request would set, or
// cannot be shown to match because the answer does not carry a field.
func differsFrom(f *faas.Function, want *faas.UpdateFunctionRequest, codeSHA string) bool {
	if f.Status == faas.StatusFailed || f.Config == nil && f.Fields == nil {
		return true
	}
	carriedDiffers := func(field faas.Field, differs bool) bool { return !f.Carries(field) || differs }
	if carriedDiffers(faas.FieldCode, f.CodeSHA256 != codeSHA) ||
		carriedDiffers(faas.FieldRequirements, f.Requirements != want.Requirements) ||
		carriedDiffers(faas.FieldEnvironment, !maps.Equal(nilIfEmpty(f.Environment), nilIfEmpty(want.Environment))) ||
		carriedDiffers(faas.FieldSecrets, !slices.Equal(f.Secrets, want.Secrets) && len(f.Secrets)+len(want.Secrets) > 0) {
		return true
	}
	if f.Config != nil {
		if carriedDiffers(faas.FieldMemory, f.Config.MemoryMB != want.Config.MemoryMB) ||
			carriedDiffers(faas.FieldTimeout, f.Config.TimeoutSeconds != want.Config.TimeoutSeconds) {
			return true
		}
	}
	if f.Fields != nil {
		return false // myaccount has nothing more
	}
	return f.Template != want.Template || f.HandlerFunction != want.HandlerFunction || *f.Config != *want.Config ||
		!maps.Equal(nilIfEmpty(userMetadata(f.Labels)), nilIfEmpty(want.Labels)) ||
		!maps.Equal(nilIfEmpty(userMetadata(f.Annotations)), nilIfEmpty(want.Annotations))
}
