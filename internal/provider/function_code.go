// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// A function's code as each dialect takes it (DESIGN.md#code-and-drift): a
// ZIP archive under faas-v1, the text of one handler file (plus the runtime's
// requirements file) under myaccount. source_hash is computed at plan time
// from the same input the apply packages, and the apply refuses code that
// changed in between.

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
// live catalogue ("" when the catalogue does not say), or the error that
// kept the catalogue from being read.
func (r *functionResource) requirementsFile(ctx context.Context, runtime string) (string, error) {
	rts, err := r.data.catalogue.get(ctx, r.data.client)
	if err != nil {
		return "", err
	}
	for _, rt := range rts {
		if rt.Name == runtime {
			return rt.RequirementsFile, nil
		}
	}
	return "", nil
}

// readSingleFile reads the handler (and requirements file) of a dialect
// that takes code as text. Without the catalogue, which names the
// runtime's requirements file, a second file cannot be told apart from a
// stray one: that is then the catalogue's error, not the code's.
func (r *functionResource) readSingleFile(ctx context.Context, plan *functionModel, src packaging.Source, diags *diag.Diagnostics) (*packaging.SingleFile, bool) {
	name, catalogueErr := r.requirementsFile(ctx, src.Runtime)
	single, err := packaging.ReadSingleFile(src, name)
	switch {
	case err == nil:
		return single, true
	case catalogueErr != nil:
		diags.AddAttributeError(codeAttribute(plan), "Runtime catalogue could not be read",
			"The code holds more than a handler file, and which file is the runtime's requirements file is said by the E2E runtime catalogue, "+
				"which could not be read: "+catalogueErr.Error())
	default:
		addPackagingError(diags, err)
	}
	return nil, false
}

// planCode reads the model's code at plan time. Its sourceHash is always
// set; so are single and sha256 for a dialect that takes one file's text,
// which costs no more than the hash. For a dialect that takes archives,
// only build (which the caller must Close) packs the archive to learn
// sha256: the hash alone reads the files once and writes nothing.
func (r *functionResource) planCode(ctx context.Context, plan *functionModel, build bool) (*functionCode, diag.Diagnostics) {
	src, diags := plan.source(ctx)
	if diags.HasError() {
		return nil, diags
	}
	if r.data == nil || r.data.client.Capabilities().Archives {
		if build {
			archive, err := packaging.Build(src)
			if err != nil {
				addPackagingError(&diags, err)
				return nil, diags
			}
			return &functionCode{archive: archive, sha256: archive.SHA256, sourceHash: archive.SourceHash}, diags
		}
		hash, err := packaging.Hash(src)
		if err != nil {
			addPackagingError(&diags, err)
			return nil, diags
		}
		return &functionCode{sourceHash: hash}, diags
	}
	single, ok := r.readSingleFile(ctx, plan, src, &diags)
	if !ok {
		return nil, diags
	}
	return &functionCode{single: single, sha256: textSHA256(single.Code), sourceHash: single.SourceHash}, diags
}

// alreadyDeployed reports whether the API already runs this code, with the
// requirements, handler and template the plan sets, as the state records
// it: then the code need not be sent again (DESIGN.md#updates). That is
// what the first apply after an import finds (the state did not know the
// code's source), and what a move of the code from one source attribute to
// another finds. The plan (codeDeployed) and the apply decide with it alike.
func (c *functionCode) alreadyDeployed(plan, state *functionModel) bool {
	if c.sha256 == "" || state.CodeSHA256.IsUnknown() || c.sha256 != state.CodeSHA256.ValueString() ||
		differ(plan.HandlerFunction, state.HandlerFunction) || differ(plan.Template, state.Template) {
		return false
	}
	if c.single == nil {
		// faas-v1: the code endpoint takes requirements as an attribute.
		return !differ(plan.Requirements, state.Requirements)
	}
	sent := c.requirements(plan)
	switch {
	case !state.Requirements.IsNull():
		return sent == state.Requirements.ValueString()
	case state.requirementsFromCode != "":
		return textSHA256(sent) == state.requirementsFromCode
	}
	return sent == ""
}

// codeDeployed is alreadyDeployed at plan time, for a plan whose code
// attributes differ from the state's. Under a dialect of archives, it packs
// the archive only when the state does not say the code changed: its
// source_hash is unknown to it (an import) or the same as the plan's (the
// same files under another attribute), and the settings sent with the code
// are the same. An edited source is a new archive, and is not packed twice.
func (r *functionResource) codeDeployed(ctx context.Context, plan, state *functionModel, code *functionCode) (bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	if state.CodeSHA256.IsNull() || state.CodeSHA256.IsUnknown() {
		return false, diags
	}
	if code.sha256 == "" {
		if !state.SourceHash.IsNull() && !state.SourceHash.Equal(plan.SourceHash) ||
			differ(plan.Requirements, state.Requirements) || differ(plan.HandlerFunction, state.HandlerFunction) || differ(plan.Template, state.Template) {
			return false, diags
		}
		built, d := r.planCode(ctx, plan, true)
		diags.Append(d...)
		if diags.HasError() {
			return false, diags
		}
		defer built.Close()
		code = built
	}
	return code.alreadyDeployed(plan, state), diags
}

// code packages the code for an apply and checks it is what the plan saw.
func (r *functionResource) code(ctx context.Context, plan *functionModel, diags *diag.Diagnostics) (*functionCode, bool) {
	c, d := r.planCode(ctx, plan, true)
	diags.Append(d...)
	if d.HasError() {
		return nil, false
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

// codeAttribute is the attribute the model's code comes from.
func codeAttribute(m *functionModel) path.Path {
	switch {
	case !m.CodePath.IsNull():
		return path.Root("code_path")
	case !m.CodeArchive.IsNull():
		return path.Root("code_archive")
	}
	return path.Root("code_inline")
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

// loadRequirementsFromCode reads into m the hash saved by
// setRequirementsFromCode.
func loadRequirementsFromCode(ctx context.Context, private privateGetter, m *functionModel) diag.Diagnostics {
	raw, diags := private.GetKey(ctx, privateRequirementsKey)
	m.requirementsFromCode = strings.Trim(string(raw), `"`)
	if m.requirementsFromCode == "null" {
		m.requirementsFromCode = ""
	}
	return diags
}

// clearRequirementsFromCode forgets the hash: the code deployed is not known.
func clearRequirementsFromCode(ctx context.Context, private privateSetter) diag.Diagnostics {
	return private.SetKey(ctx, privateRequirementsKey, []byte("null"))
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
