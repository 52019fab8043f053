package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// functionModel is e2e_faas_function in Terraform's terms.
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

type functionConfigModel struct {
	MemoryMB       types.Int64  `tfsdk:"memory_mb"`
	TimeoutSeconds types.Int64  `tfsdk:"timeout_seconds"`
	Replicas       types.Int64  `tfsdk:"replicas"`
	HardwareType   types.String `tfsdk:"hardware_type"`
	MinScale       types.Int64  `tfsdk:"min_scale"`
	MaxScale       types.Int64  `tfsdk:"max_scale"`
}

// Defaults of the design, used when the config block is left out.
const (
	defaultTemplate        = "http"
	defaultHandler         = "handle"
	defaultMemoryMB        = 128
	defaultTimeoutSeconds  = 30
	defaultReplicas        = 1
	defaultHardwareType    = "cpu"
	defaultMinScale        = 1
	defaultMaxScale        = 5
	reservedMetadataPrefix = "com.openfaas."
)

var defaultConfig = faas.FunctionConfig{
	MemoryMB: defaultMemoryMB, TimeoutSeconds: defaultTimeoutSeconds, Replicas: defaultReplicas,
	HardwareType: defaultHardwareType, MinScale: defaultMinScale, MaxScale: defaultMaxScale,
}

var configAttrTypes = map[string]attr.Type{
	"memory_mb":       types.Int64Type,
	"timeout_seconds": types.Int64Type,
	"replicas":        types.Int64Type,
	"hardware_type":   types.StringType,
	"min_scale":       types.Int64Type,
	"max_scale":       types.Int64Type,
}

var configObjectType = types.ObjectType{AttrTypes: configAttrTypes}

// effectiveConfig is the configuration the API should run: the block's
// values, or the defaults when the block is absent. ok is false while any
// value is unknown.
func (m *functionModel) effectiveConfig(ctx context.Context) (cfg faas.FunctionConfig, ok bool, diags diag.Diagnostics) {
	if m.Config.IsUnknown() {
		return cfg, false, nil
	}
	if m.Config.IsNull() || len(m.Config.Elements()) == 0 {
		return defaultConfig, true, nil
	}
	var blocks []functionConfigModel
	diags = m.Config.ElementsAs(ctx, &blocks, false)
	if diags.HasError() {
		return cfg, false, diags
	}
	b := blocks[0]
	for _, v := range []attr.Value{b.MemoryMB, b.TimeoutSeconds, b.Replicas, b.HardwareType, b.MinScale, b.MaxScale} {
		if v.IsUnknown() {
			return cfg, false, nil
		}
	}
	cfg = defaultConfig
	setInt := func(dst *int64, v types.Int64) {
		if !v.IsNull() {
			*dst = v.ValueInt64()
		}
	}
	setInt(&cfg.MemoryMB, b.MemoryMB)
	setInt(&cfg.TimeoutSeconds, b.TimeoutSeconds)
	setInt(&cfg.Replicas, b.Replicas)
	setInt(&cfg.MinScale, b.MinScale)
	setInt(&cfg.MaxScale, b.MaxScale)
	if !b.HardwareType.IsNull() {
		cfg.HardwareType = b.HardwareType.ValueString()
	}
	return cfg, true, nil
}

func configList(cfg *faas.FunctionConfig) types.List {
	return types.ListValueMust(configObjectType, []attr.Value{configObject(cfg)})
}

func configObject(cfg *faas.FunctionConfig) types.Object {
	return types.ObjectValueMust(configAttrTypes, map[string]attr.Value{
		"memory_mb":       types.Int64Value(cfg.MemoryMB),
		"timeout_seconds": types.Int64Value(cfg.TimeoutSeconds),
		"replicas":        types.Int64Value(cfg.Replicas),
		"hardware_type":   types.StringValue(cfg.HardwareType),
		"min_scale":       types.Int64Value(cfg.MinScale),
		"max_scale":       types.Int64Value(cfg.MaxScale),
	})
}

func emptyConfigList() types.List { return types.ListValueMust(configObjectType, []attr.Value{}) }

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

func stringMap(ctx context.Context, m types.Map) (map[string]string, diag.Diagnostics) {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out, nil
	}
	diags := m.ElementsAs(ctx, &out, false)
	return out, diags
}

func stringList(ctx context.Context, l types.List) ([]string, diag.Diagnostics) {
	out := []string{}
	if l.IsNull() || l.IsUnknown() {
		return out, nil
	}
	diags := l.ElementsAs(ctx, &out, false)
	return out, diags
}

// userMetadata drops the keys the platform reserves for itself (OpenFaaS's
// com.openfaas.*): users cannot set them, so any the server adds must not show
// as a diff on every plan.
func userMetadata(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		if !strings.HasPrefix(k, reservedMetadataPrefix) {
			out[k] = v
		}
	}
	return out
}

func mapValue(in map[string]string) types.Map {
	vals := make(map[string]attr.Value, len(in))
	for k, v := range in {
		vals[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, vals)
}

func listValue(in []string) types.List {
	vals := make([]attr.Value, 0, len(in))
	for _, v := range in {
		vals = append(vals, types.StringValue(v))
	}
	return types.ListValueMust(types.StringType, vals)
}

func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// applyFunction copies what the API says into the model: the one conversion
// from API object to Terraform used by Create, Read, Update and import. The
// code source attributes are the user's and stay as they are; a deployed
// archive that is not the one this provider last uploaded shows as a changed
// source_hash, so the next plan updates the code.
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

func (m *functionModel) applyPartialFunction(f *faas.Function) {
	m.ID = types.StringValue(f.ID)
	m.Name = types.StringValue(f.Name)
	m.Status = types.StringValue(f.Status)
	m.Namespace, m.Version, m.InvocationCount = types.StringNull(), types.StringNull(), types.Int64Null()
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
	if cfg, known, _ := m.effectiveConfig(context.Background()); known && f.Config != nil {
		if f.Carries(faas.FieldMemory) {
			cfg.MemoryMB = f.Config.MemoryMB
		}
		if f.Carries(faas.FieldTimeout) {
			cfg.TimeoutSeconds = f.Config.TimeoutSeconds
		}
		if f.Carries(faas.FieldHardware) && f.Config.HardwareType != "" {
			cfg.HardwareType = f.Config.HardwareType
		}
		m.applyConfig(cfg)
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

// applyCodeSHA256 records the deployed code's hash and, when it is not the
// one this provider deployed, marks source_hash so the plan restores it.
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

// markCodeChangedOutside makes the next plan update the code, as
// applyCodeSHA256 does for a changed hash.
func (m *functionModel) markCodeChangedOutside(reason string) {
	if !m.SourceHash.IsUnknown() {
		m.SourceHash = types.StringValue(codeChangedOutside + reason)
	}
}

// codeChangedOutside marks a source_hash in state when the API reports code
// this provider did not deploy; it never equals a real hash, so the plan shows
// the code update that puts the configured code back.
const codeChangedOutside = "changed-outside-terraform:sha256:"

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
