package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// What differs between the API dialects, as the function resource sees it:
// which settings exist, what form the code takes, and how a function is
// updated. Everything else is shared.

// myAccountNameMax is the MyAccount console's limit on function names.
const myAccountNameMax = 40

// checkDialect fails the plan for settings the configured API cannot carry:
// under faas-v1 a runtime outside the design's list; under myaccount every
// setting the MyAccount API has no field for, and its memory and timeout
// limits. Values unknown at plan time are skipped.
func checkDialect(ctx context.Context, caps faas.Capabilities, plan *functionModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if caps.Archives {
		// faas-v1: the design's fixed runtime list.
		if rt := plan.Runtime; !rt.IsUnknown() && !slices.Contains(runtimes, rt.ValueString()) {
			diags.AddAttributeError(path.Root("runtime"), "Invalid Attribute Value Match",
				fmt.Sprintf("Attribute runtime value must be one of: [%s], got: %q", strings.Join(quotedList(runtimes), " "), rt.ValueString()))
		}
		return diags
	}
	unsupported := func(p path.Path, what string) {
		diags.AddAttributeError(p, "Not supported by the MyAccount API",
			fmt.Sprintf("%s. The MyAccount API (api_flavor = \"myaccount\", the API E2E serves) has no such setting. "+
				"Remove it from the configuration, or use an endpoint of the faas-v1 API (such as e2e-faas-local's /faas/api/v1/).", what))
	}
	if n := plan.Name; !n.IsUnknown() && !n.IsNull() {
		name := n.ValueString()
		if len(name) > myAccountNameMax || (name != "" && (name[0] < 'a' || name[0] > 'z')) {
			diags.AddAttributeError(path.Root("name"), "Invalid function name for E2E",
				fmt.Sprintf("E2E function names start with a letter and have at most %d characters; %q does not fit. Choose a shorter name starting with a letter.",
					myAccountNameMax, name))
		}
	}
	if t := plan.Template; !t.IsUnknown() && !t.IsNull() && t.ValueString() != defaultTemplate {
		unsupported(path.Root("template"), fmt.Sprintf("template = %q: the runtime decides the template", t.ValueString()))
	}
	if h := plan.HandlerFunction; !h.IsUnknown() && !h.IsNull() && h.ValueString() != defaultHandler {
		unsupported(path.Root("handler_function"), fmt.Sprintf("handler_function = %q: the runtime calls %q", h.ValueString(), defaultHandler))
	}
	for name, m := range map[string]types.Map{"labels": plan.Labels, "annotations": plan.Annotations} {
		if !m.IsUnknown() && len(m.Elements()) > 0 {
			unsupported(path.Root(name), name+" are set")
		}
	}
	cfg, known, d := plan.effectiveConfig(ctx)
	diags.Append(d...)
	if !known {
		return diags
	}
	at := func(attribute string) path.Path {
		if len(plan.Config.Elements()) == 0 {
			return path.Root("config")
		}
		return path.Root("config").AtListIndex(0).AtName(attribute)
	}
	if cfg.Replicas != defaultReplicas {
		unsupported(at("replicas"), fmt.Sprintf("replicas = %d (the platform scales functions itself)", cfg.Replicas))
	}
	if cfg.MinScale != defaultMinScale {
		unsupported(at("min_scale"), fmt.Sprintf("min_scale = %d (the platform scales functions itself)", cfg.MinScale))
	}
	if cfg.MaxScale != defaultMaxScale {
		unsupported(at("max_scale"), fmt.Sprintf("max_scale = %d (the platform scales functions itself)", cfg.MaxScale))
	}
	if len(caps.MemoryChoices) > 0 && !slices.Contains(caps.MemoryChoices, cfg.MemoryMB) {
		diags.AddAttributeError(at("memory_mb"), "Memory size not offered by E2E",
			fmt.Sprintf("The MyAccount API accepts memory_mb of %s; %d is not one of them.", joinInts(caps.MemoryChoices), cfg.MemoryMB))
	}
	if caps.MaxTimeoutSeconds > 0 && cfg.TimeoutSeconds > caps.MaxTimeoutSeconds {
		diags.AddAttributeError(at("timeout_seconds"), "Timeout too long for E2E",
			fmt.Sprintf("The MyAccount API accepts timeout_seconds from 1 to %d; %d is more.", caps.MaxTimeoutSeconds, cfg.TimeoutSeconds))
	}
	return diags
}

func quotedList(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func joinInts(list []int64) string {
	parts := make([]string, len(list))
	for i, n := range list {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ", ")
}

// functionCode is a function's code in the form the API dialect takes: a ZIP
// archive (faas-v1) or the text of one handler file (myaccount).
type functionCode struct {
	archive *packaging.Archive
	single  *packaging.SingleFile
	// sha256 is what code_sha256 says once this code is deployed.
	sha256     string
	sourceHash string
}

func (c *functionCode) Close() {
	if c.archive != nil {
		c.archive.Close()
	}
}

// textSHA256 is code_sha256 of code sent as text.
func textSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// requirements is what the function's requirements are: the attribute, or
// under myaccount the requirements file of the code when the attribute is
// not set.
func (c *functionCode) requirements(plan *functionModel) string {
	if !plan.Requirements.IsNull() || c.single == nil {
		return plan.Requirements.ValueString()
	}
	return c.single.Requirements
}

// requirementsFromCode is the requirements text taken from the code's
// requirements file, if that is where they come from.
func (c *functionCode) requirementsFromCode(plan *functionModel) (string, bool) {
	if c.single == nil || !plan.Requirements.IsNull() || !c.single.HasRequirements {
		return "", false
	}
	return c.single.Requirements, true
}

// requirementsFile is the name of the runtime's requirements file in the
// live catalogue ("" when the catalogue cannot say).
func (r *functionResource) requirementsFile(ctx context.Context, runtime string) string {
	rts, err := r.data.catalogue.get(ctx, r.data.client)
	if err != nil {
		return ""
	}
	for _, rt := range rts {
		if rt.Name == runtime {
			return rt.RequirementsFile
		}
	}
	return ""
}

// sourceHash is the source_hash of the model's code for the dialect.
func (r *functionResource) sourceHash(ctx context.Context, plan *functionModel) (string, diag.Diagnostics) {
	src, diags := plan.source(ctx)
	if diags.HasError() {
		return "", diags
	}
	if r.data == nil || r.data.client.Capabilities().Archives {
		hash, err := packaging.Hash(src)
		if err != nil {
			addPackagingError(&diags, err)
		}
		return hash, diags
	}
	single, err := packaging.ReadSingleFile(src, r.requirementsFile(ctx, src.Runtime))
	if err != nil {
		addPackagingError(&diags, err)
		return "", diags
	}
	return single.SourceHash, diags
}

// code packages the code for an apply and checks it is what the plan saw.
func (r *functionResource) code(ctx context.Context, plan *functionModel, diags *diag.Diagnostics) (*functionCode, bool) {
	src, d := plan.source(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return nil, false
	}
	c := &functionCode{}
	if r.data.client.Capabilities().Archives {
		archive, err := packaging.Build(src)
		if err != nil {
			addPackagingError(diags, err)
			return nil, false
		}
		c.archive, c.sha256, c.sourceHash = archive, archive.SHA256, archive.SourceHash
	} else {
		single, err := packaging.ReadSingleFile(src, r.requirementsFile(ctx, src.Runtime))
		if err != nil {
			addPackagingError(diags, err)
			return nil, false
		}
		c.single, c.sha256, c.sourceHash = single, textSHA256(single.Code), single.SourceHash
	}
	if !plan.SourceHash.IsUnknown() && !plan.SourceHash.IsNull() && plan.SourceHash.ValueString() != c.sourceHash {
		c.Close()
		diags.AddAttributeError(codeAttribute(plan), "Code changed after the plan",
			"The function's code is not what terraform plan saw (its source_hash differs). Run terraform plan again, then apply.")
		return nil, false
	}
	plan.SourceHash = types.StringValue(c.sourceHash)
	return c, true
}

// functionSettings is every setting of the plan, as both dialects' create and
// full-update requests take them.
type functionSettings struct {
	config                           faas.FunctionConfig
	environment, labels, annotations map[string]string
	secrets                          []string
}

func (m *functionModel) settings(ctx context.Context) (functionSettings, diag.Diagnostics) {
	var s functionSettings
	var diags, d diag.Diagnostics
	s.config, _, d = m.effectiveConfig(ctx)
	diags.Append(d...)
	s.environment, d = stringMap(ctx, m.Environment)
	diags.Append(d...)
	s.secrets, d = stringList(ctx, m.Secrets)
	diags.Append(d...)
	s.labels, d = stringMap(ctx, m.Labels)
	diags.Append(d...)
	s.annotations, d = stringMap(ctx, m.Annotations)
	diags.Append(d...)
	return s, diags
}

func (m *functionModel) updateRequest(s *functionSettings, code *functionCode) *faas.UpdateFunctionRequest {
	req := &faas.UpdateFunctionRequest{
		Runtime:         m.Runtime.ValueString(),
		Template:        m.Template.ValueString(),
		HandlerFunction: m.HandlerFunction.ValueString(),
		Requirements:    code.requirements(m),
		Config:          &s.config,
		Environment:     s.environment,
		Secrets:         s.secrets,
		Labels:          s.labels,
		Annotations:     s.annotations,
	}
	if code.archive != nil {
		req.Code = code.archive
	} else {
		req.CodeText = code.single.Code
	}
	return req
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

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// Private state: the SHA-256 of requirements that came from the code's
// requirements file rather than the requirements attribute, so that Read
// can tell a change made outside Terraform from the file's own content.
const privateRequirementsKey = "requirements_from_code"

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

func setRequirementsFromCode(ctx context.Context, private privateSetter, code *functionCode, plan *functionModel) diag.Diagnostics {
	value := []byte("null")
	plan.requirementsFromCode = ""
	if req, ok := code.requirementsFromCode(plan); ok {
		plan.requirementsFromCode = textSHA256(req)
		value = []byte(fmt.Sprintf("%q", plan.requirementsFromCode))
	}
	return private.SetKey(ctx, privateRequirementsKey, value)
}

// readRequirementsFromCode gives the hash saved by setRequirementsFromCode.
func readRequirementsFromCode(raw []byte) string {
	s := strings.Trim(string(raw), `"`)
	if s == "null" {
		return ""
	}
	return s
}

// updateWhole is Update for a dialect without partial updates (myaccount):
// any change among code, requirements, environment, secrets, memory and
// timeout, or a function found Failed, makes exactly one full update, then
// waits for Running. The client waits for a deploy in progress to settle
// before it sends the update.
func (r *functionResource) updateWhole(ctx context.Context, plan, state *functionModel, changes functionChanges, resp *resource.UpdateResponse) {
	id := state.ID.ValueString()
	client := r.client()
	var last *faas.Function
	fail := func(summary string, err error, hint string) {
		if last != nil {
			state.applyFunction(last)
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
		addWaitError(&resp.Diagnostics, summary, err, hint)
	}
	if changes.redeploys() || state.Status.ValueString() == faas.StatusFailed {
		code, ok := r.code(ctx, plan, &resp.Diagnostics)
		if !ok {
			return
		}
		defer code.Close()
		settings, diags := plan.settings(ctx)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		if _, err := client.UpdateFunction(ctx, id, plan.updateRequest(&settings, code)); err != nil {
			fail("Could not update the function", err, "Nothing was changed; fix the cause and apply again.")
			return
		}
		resp.Diagnostics.Append(setRequirementsFromCode(ctx, resp.Private, code, plan)...)
		plan.CodeSHA256 = types.StringValue(code.sha256)
		f, err := client.WaitForDeploy(ctx, id, faas.DefaultPoll)
		if f != nil {
			last = f
		}
		if err != nil {
			fail("The function's update did not deploy", err,
				"The previous settings stay in state, so the next plan shows this change again. Fix the cause, "+
					"or raise timeouts.update if the deploy only needs longer.")
			return
		}
	}
	if last == nil {
		f, err := client.GetFunction(ctx, id)
		if err != nil {
			fail("Could not read the function after updating it", err, "")
			return
		}
		last = f
	}
	plan.applyFunction(last)
	plan.settle()
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// adoptInlineCode takes an imported function's code (from a dialect that
// answers with it) as code_inline, with the source_hash the same
// configuration would plan.
func (m *functionModel) adoptInlineCode(ctx context.Context, f *faas.Function, diags *diag.Diagnostics) {
	m.CodeInline = types.StringValue(f.Code)
	src, d := m.source(ctx)
	diags.Append(d...)
	single, err := packaging.ReadSingleFile(src, "")
	if err != nil {
		// Not something the provider could deploy as code_inline: leave the
		// code to the configuration, which the next plan uploads.
		m.CodeInline = types.StringNull()
		return
	}
	m.SourceHash = types.StringValue(single.SourceHash)
	m.CodeSHA256 = types.StringValue(textSHA256(f.Code))
}
