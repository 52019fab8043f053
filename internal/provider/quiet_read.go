// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// The refresh of an e2e_faas_function (BENCHMARKS.md, "Plan"), as
// quiet_plan.go's plan: around the resource's Read the framework converts
// the state in and out with walks of the whole schema, and walks it again
// comparing every attribute for semantic equality, which no type of this
// schema has. So the server runs the same read (functionResource.read) over
// the state, private state and identity it decodes itself, and answers as
// the framework would: its checks of the identity after a read, private
// state merged back, null blocks made empty. What the shortcut does not
// cover (an import's first read, private state the framework would refuse,
// another resource) goes to the framework before anything is asked of the
// API. In the package's tests every answer is checked against the
// framework's Read of the same request, given the same API answer
// (quietReadCheck, readAnswer).

// quietReadCheck, when set (by the package's tests), sees each answer of
// the read shortcut, with ctx holding the API's answer, and returns the one
// to send.
var quietReadCheck func(ctx context.Context, s *quietPlanServer, req *tfprotov6.ReadResourceRequest,
	quiet *tfprotov6.ReadResourceResponse) *tfprotov6.ReadResourceResponse

// readAnswer is the API's answer to a read, kept in the context of one
// ReadResource request (functionResource.fetch), so that a second read of
// that request asks the API nothing.
type readAnswer struct {
	f    *faas.Function
	err  error
	done bool
}

type readAnswerKey struct{}

func (s *quietPlanServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	// One API answer for the whole request: should the shortcut hand the
	// read on after all, the framework's read takes the same answer.
	ctx = context.WithValue(ctx, readAnswerKey{}, &readAnswer{})
	if resp, ok := s.quietRead(ctx, req); ok {
		if quietReadCheck != nil {
			resp = quietReadCheck(ctx, s, req, resp)
		}
		return resp, nil
	}
	return s.frameworkServer.ReadResource(ctx, req)
}

// importBeforeReadKey is the framework's private-state mark of an import
// whose first read is to come.
const importBeforeReadKey = ".import_before_read"

func (s *quietPlanServer) quietRead(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, bool) {
	f := functionShapeOnce()
	data := s.provider.configured.Load()
	if req == nil || !f.supported || !f.readSupported || req.TypeName != f.typeName || data == nil || req.CurrentState == nil {
		return nil, false
	}
	framework, provider, ok := splitPrivate(req.Private)
	if !ok {
		return nil, false
	}
	if _, importing := framework[importBeforeReadKey]; importing {
		return nil, false
	}
	current, err := req.CurrentState.Unmarshal(f.objectType)
	if err != nil {
		return nil, false
	}
	current = f.nullifyEmptyBlocks(current)
	identity := tftypes.NewValue(f.identityType, nil)
	if req.CurrentIdentity != nil {
		if req.CurrentIdentity.IdentityData == nil {
			return nil, false
		}
		if identity, err = req.CurrentIdentity.IdentityData.Unmarshal(f.identityType); err != nil {
			return nil, false
		}
	}

	// The resource's own read, as the framework calls it.
	newState := tfsdk.State{Schema: f.schema, Raw: current.Copy()}
	newIdentity := &tfsdk.ResourceIdentity{Schema: f.identitySchema, Raw: identity.Copy()}
	private := &privateKeys{data: provider}
	var diags diag.Diagnostics
	(&functionResource{data: data}).read(ctx, readIO{
		state: tfsdk.State{Schema: f.schema, Raw: current.Copy()}, private: private,
		newState: &newState, newPrivate: private, identity: newIdentity, diags: &diags,
	})
	if !diags.HasError() {
		diags.Append(checkReadIdentity(identity, newIdentity.Raw)...)
	}

	protoDiags, ok := toProtoDiagnostics(diags)
	if !ok {
		return nil, false
	}
	state, err := tfprotov6.NewDynamicValue(f.objectType, f.reifyNullBlocks(newState.Raw))
	if err != nil {
		return nil, false
	}
	id, err := tfprotov6.NewDynamicValue(f.identityType, newIdentity.Raw)
	if err != nil {
		return nil, false
	}
	newPrivate, ok := joinPrivate(framework, private.data)
	if !ok {
		return nil, false
	}
	return &tfprotov6.ReadResourceResponse{
		Diagnostics: protoDiags,
		NewState:    &state,
		NewIdentity: &tfprotov6.ResourceIdentityData{IdentityData: &id},
		Private:     newPrivate,
	}, true
}

// checkReadIdentity is the framework's check of the identity after a read
// without errors: an identity once known does not change, and there is one.
func checkReadIdentity(current, identity tftypes.Value) diag.Diagnostics {
	var diags diag.Diagnostics
	if !current.IsFullyNull() && !current.Equal(identity) {
		diags.AddError("Unexpected Identity Change",
			"During the read operation, the Terraform Provider unexpectedly returned a different identity than the previously stored one.\n\n"+
				"This is always a problem with the provider and should be reported to the provider developer.\n\n"+
				fmt.Sprintf("Current Identity: %s\n\n", current.String())+
				fmt.Sprintf("New Identity: %s", identity.String()))
		return diags
	}
	if identity.IsFullyNull() {
		diags.AddError("Missing Resource Identity After Read",
			"The Terraform Provider unexpectedly returned no resource identity data after having no errors in the resource read. "+
				"This is always an issue in the Terraform Provider and should be reported to the provider developers.")
	}
	return diags
}

// noSemanticEquality reports whether no value of t, or of any type within
// it, compares by meaning: then the framework's semantic equality after a
// read changes nothing.
func noSemanticEquality(ctx context.Context, t attr.Type) bool {
	switch t.ValueType(ctx).(type) {
	case basetypes.BoolValuableWithSemanticEquals, basetypes.Float32ValuableWithSemanticEquals,
		basetypes.Float64ValuableWithSemanticEquals, basetypes.Int32ValuableWithSemanticEquals,
		basetypes.Int64ValuableWithSemanticEquals, basetypes.NumberValuableWithSemanticEquals,
		basetypes.StringValuableWithSemanticEquals, basetypes.ListValuableWithSemanticEquals,
		basetypes.MapValuableWithSemanticEquals, basetypes.SetValuableWithSemanticEquals,
		basetypes.ObjectValuableWithSemanticEquals, basetypes.DynamicValuableWithSemanticEquals:
		return false
	}
	switch t := t.(type) {
	case attr.TypeWithAttributeTypes:
		for _, at := range t.AttributeTypes() {
			if !noSemanticEquality(ctx, at) {
				return false
			}
		}
	case attr.TypeWithElementType:
		return noSemanticEquality(ctx, t.ElementType())
	case attr.TypeWithElementTypes:
		for _, et := range t.ElementTypes() {
			if !noSemanticEquality(ctx, et) {
				return false
			}
		}
	}
	return true
}

// privateKeys is the provider's part of a resource's private state, with
// the framework's rules (ProviderData's GetKey and SetKey).
type privateKeys struct {
	data map[string][]byte
}

func (p *privateKeys) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	if diags := checkPrivateKey(key); diags.HasError() {
		return nil, diags
	}
	return p.data[key], nil
}

func (p *privateKeys) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	if diags := checkPrivateKey(key); diags.HasError() {
		return diags
	}
	if len(value) == 0 {
		delete(p.data, key)
		return nil
	}
	var diags diag.Diagnostics
	switch {
	case !utf8.Valid(value):
		diags.AddError("UTF-8 Invalid",
			"Values stored in private state must be valid UTF-8.\n\n"+
				fmt.Sprintf("The value being supplied for key %q is invalid. Please verify that the value is valid UTF-8.", key))
	case !json.Valid(value):
		diags.AddError("JSON Invalid",
			"Values stored in private state must be valid JSON.\n\n"+
				fmt.Sprintf("The value being supplied for key %q is invalid. Please verify that the value is valid JSON.", key))
	default:
		if p.data == nil {
			p.data = map[string][]byte{}
		}
		p.data[key] = value
	}
	return diags
}

func checkPrivateKey(key string) diag.Diagnostics {
	if !strings.HasPrefix(key, ".") {
		return nil
	}
	return diag.Diagnostics{diag.NewErrorDiagnostic("Restricted Resource Private State Namespace",
		"Using a period ('.') as a prefix for a key used in private state is not allowed.\n\n"+
			fmt.Sprintf("The key %q is invalid. Please check the key you are supplying does not use a a period ('.') as a prefix.", key))}
}

// splitPrivate reads private state as the framework does, into its own
// keys (those starting with a period) and the provider's, empty values left
// out; false where the framework would refuse or discard it.
func splitPrivate(raw []byte) (framework, provider map[string][]byte, ok bool) {
	framework, provider = map[string][]byte{}, map[string][]byte{}
	if len(raw) == 0 {
		return framework, provider, true
	}
	var m map[string][]byte
	if json.Unmarshal(raw, &m) != nil {
		return nil, nil, false
	}
	for k, v := range m {
		if len(v) == 0 {
			continue
		}
		if !utf8.Valid(v) || !json.Valid(v) {
			return nil, nil, false
		}
		if strings.HasPrefix(k, ".") {
			framework[k] = v
		} else {
			provider[k] = v
		}
	}
	return framework, provider, true
}

// joinPrivate is private state as the framework writes it: both parts, empty
// values left out; nil when nothing is left.
func joinPrivate(framework, provider map[string][]byte) ([]byte, bool) {
	merged := map[string][]byte{}
	for _, part := range []map[string][]byte{framework, provider} {
		for k, v := range part {
			if len(v) > 0 {
				merged[k] = v
			}
		}
	}
	if len(merged) == 0 {
		return nil, true
	}
	out, err := json.Marshal(merged)
	return out, err == nil
}
