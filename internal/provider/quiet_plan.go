// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"context"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The plan of an unchanged e2e_faas_function (BENCHMARKS.md, "Plan").
//
// For every resource the framework walks the whole schema several times per
// plan, whatever the resource's code does: defaults, every attribute's plan
// modifiers (with config, plan and state read at each attribute's path, and
// the plan written back), write-only attributes, the conversions in and out.
// With 26 attributes and two blocks that is most of the provider's CPU when
// planning many unchanged functions, and none of it changes such a plan.
//
// So the server answers that case itself: when the configuration asks for
// what the state holds (Terraform's proposed state is the prior state) and
// no default and no attribute plan modifier would change it, it runs
// ModifyPlan's own steps (planFunction's: the dialect and catalogue checks,
// the code's source_hash, a function found Failed, what the dialect never
// returns) on the prior state and answers with their plan and diagnostics,
// as the framework would. A plan that changes the code (whose plan asks the
// API what it runs), anything the shortcut does not check, and every other
// resource go to the framework, before anything is asked of the API, so no
// request is made twice. A state of the schema's version is passed on at
// refresh the same way (UpgradeResourceState). In the package's tests every
// answer of the shortcuts is checked against the framework's own
// (quietPlanCheck, quietUpgradeCheck).

// NewServer is the provider's protocol 6 server: the framework's, with the
// shortcut above. Each call makes a provider instance of its own.
func NewServer(version string) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		p, ok := New(version)().(*e2eProvider)
		inner := providerserver.NewProtocol6(p)()
		fw, full := inner.(frameworkServer)
		if !ok || !full {
			return inner
		}
		return &quietPlanServer{frameworkServer: fw, provider: p}
	}
}

// frameworkServer is every protocol service the framework's server offers,
// so that the wrapper hides none of them.
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
}

type quietPlanServer struct {
	frameworkServer
	provider *e2eProvider
}

// quietPlanCheck, when set (by the package's tests), sees each answer of the
// shortcut and returns the one to send.
var quietPlanCheck func(ctx context.Context, s *quietPlanServer, req *tfprotov6.PlanResourceChangeRequest,
	quiet *tfprotov6.PlanResourceChangeResponse) *tfprotov6.PlanResourceChangeResponse

func (s *quietPlanServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if resp, ok := s.quietPlan(ctx, req); ok {
		if quietPlanCheck != nil {
			resp = quietPlanCheck(ctx, s, req, resp)
		}
		return resp, nil
	}
	return s.frameworkServer.PlanResourceChange(ctx, req)
}

// quietUpgradeCheck is quietPlanCheck for the state upgrade's shortcut.
var quietUpgradeCheck func(ctx context.Context, s *quietPlanServer, req *tfprotov6.UpgradeResourceStateRequest,
	quiet *tfprotov6.UpgradeResourceStateResponse) *tfprotov6.UpgradeResourceStateResponse

// UpgradeResourceState passes a state of e2e_faas_function's schema version
// on as the framework does (read against the schema, undefined attributes
// ignored, null blocks made empty), without the framework's walks of it;
// anything else, and an error, goes to the framework.
func (s *quietPlanServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	f := functionShapeOnce()
	if req != nil && f.supported && req.TypeName == f.typeName && req.Version == f.schema.Version && req.RawState != nil && req.RawState.JSON != nil {
		v, err := req.RawState.UnmarshalWithOpts(f.objectType, tfprotov6.UnmarshalOpts{
			ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
		})
		if err == nil {
			if state, err := tfprotov6.NewDynamicValue(f.objectType, f.reifyNullBlocks(v)); err == nil {
				resp := &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &state}
				if quietUpgradeCheck != nil {
					resp = quietUpgradeCheck(ctx, s, req, resp)
				}
				return resp, nil
			}
		}
	}
	return s.frameworkServer.UpgradeResourceState(ctx, req)
}

// functionShape is what the shortcut needs of e2e_faas_function's schemas,
// read once.
type functionShape struct {
	typeName       string
	schema         schema.Schema
	attrType       attr.Type
	objectType     tftypes.Type
	identitySchema identityschema.Schema
	identityType   tftypes.Type
	// supported: the schema holds nothing the shortcut does not check.
	supported bool
	// readSupported: no type of the schema compares by meaning (the read
	// shortcut of quiet_read.go).
	readSupported bool
}

var functionShapeOnce = sync.OnceValue(func() *functionShape {
	ctx := context.Background()
	r := &functionResource{}
	var provMeta provider.MetadataResponse
	(&e2eProvider{}).Metadata(ctx, provider.MetadataRequest{}, &provMeta)
	var meta resource.MetadataResponse
	r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: provMeta.TypeName}, &meta)
	var sch resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sch)
	var id resource.IdentitySchemaResponse
	r.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &id)
	return &functionShape{
		typeName:       meta.TypeName,
		schema:         sch.Schema,
		attrType:       sch.Schema.Type(),
		objectType:     sch.Schema.Type().TerraformType(ctx),
		identitySchema: id.IdentitySchema,
		identityType:   id.IdentitySchema.Type().TerraformType(ctx),
		supported:      quietPlanSupports(sch.Schema),
		readSupported:  noSemanticEquality(ctx, sch.Schema.Type()),
	}
})

// quietPlanSupports reports whether the shortcut checks everything in s that
// could change a plan: plan modifiers only on top-level string and number
// attributes, defaults only on attributes of the kinds attributeDefault
// reads, at the top level or in a block's attributes, no nested attributes,
// no blocks in blocks, nothing write-only.
func quietPlanSupports(s schema.Schema) bool {
	for _, a := range s.Attributes {
		if !plainAttribute(a) {
			return false
		}
	}
	for _, b := range s.Blocks {
		var nested schema.NestedBlockObject
		switch b := b.(type) {
		case schema.ListNestedBlock:
			if len(b.PlanModifiers) > 0 {
				return false
			}
			nested = b.NestedObject
		case schema.SingleNestedBlock:
			if len(b.PlanModifiers) > 0 {
				return false
			}
			nested = schema.NestedBlockObject{Attributes: b.Attributes, Blocks: b.Blocks}
		default:
			return false
		}
		if len(nested.Blocks) > 0 || len(nested.PlanModifiers) > 0 {
			return false
		}
		for _, a := range nested.Attributes {
			if !plainAttribute(a) || len(attributeModifiers(a)) > 0 {
				return false
			}
		}
	}
	return true
}

// plainAttribute: an attribute of a kind the shortcut reads, not write-only,
// whose plan modifiers (if any) it can run.
func plainAttribute(a schema.Attribute) bool {
	switch a := a.(type) {
	case schema.StringAttribute, schema.Int64Attribute:
	case schema.BoolAttribute, schema.Float64Attribute, schema.ListAttribute, schema.MapAttribute, schema.SetAttribute:
		if hasModifiers(a) {
			return false
		}
	default:
		return false
	}
	return !a.IsWriteOnly()
}

func hasModifiers(a schema.Attribute) bool {
	switch a := a.(type) {
	case schema.BoolAttribute:
		return len(a.PlanModifiers) > 0
	case schema.Float64Attribute:
		return len(a.PlanModifiers) > 0
	case schema.ListAttribute:
		return len(a.PlanModifiers) > 0
	case schema.MapAttribute:
		return len(a.PlanModifiers) > 0
	case schema.SetAttribute:
		return len(a.PlanModifiers) > 0
	}
	return len(attributeModifiers(a)) > 0
}

// modifierCall runs one plan modifier at p, the configuration and plan
// (equal to the state) whole and their values there, and reports whether it
// leaves the plan as it is.
type modifierCall func(ctx context.Context, p path.Path, config, plan tfsdk.Config, configVal, planVal tftypes.Value) bool

// attributeModifiers are the plan modifiers of a string or number attribute.
func attributeModifiers(a schema.Attribute) []modifierCall {
	var mods []modifierCall
	switch a := a.(type) {
	case schema.StringAttribute:
		for _, m := range a.PlanModifiers {
			mods = append(mods, func(ctx context.Context, p path.Path, config, plan tfsdk.Config, configVal, planVal tftypes.Value) bool {
				var cv, pv basetypes.StringValue
				if !stringValues(ctx, a.GetType(), []tftypes.Value{configVal, planVal}, []*basetypes.StringValue{&cv, &pv}) {
					return false
				}
				req := planmodifier.StringRequest{
					Path: p, PathExpression: p.Expression(),
					Config: config, ConfigValue: cv,
					Plan: tfsdk.Plan(plan), PlanValue: pv,
					State: tfsdk.State(plan), StateValue: pv,
				}
				resp := &planmodifier.StringResponse{PlanValue: pv}
				m.PlanModifyString(ctx, req, resp)
				return len(resp.Diagnostics) == 0 && !resp.RequiresReplace && resp.PlanValue.Equal(pv)
			})
		}
	case schema.Int64Attribute:
		for _, m := range a.PlanModifiers {
			mods = append(mods, func(ctx context.Context, p path.Path, config, plan tfsdk.Config, configVal, planVal tftypes.Value) bool {
				var cv, pv basetypes.Int64Value
				if !int64Values(ctx, a.GetType(), []tftypes.Value{configVal, planVal}, []*basetypes.Int64Value{&cv, &pv}) {
					return false
				}
				req := planmodifier.Int64Request{
					Path: p, PathExpression: p.Expression(),
					Config: config, ConfigValue: cv,
					Plan: tfsdk.Plan(plan), PlanValue: pv,
					State: tfsdk.State(plan), StateValue: pv,
				}
				resp := &planmodifier.Int64Response{PlanValue: pv}
				m.PlanModifyInt64(ctx, req, resp)
				return len(resp.Diagnostics) == 0 && !resp.RequiresReplace && resp.PlanValue.Equal(pv)
			})
		}
	}
	return mods
}

func stringValues(ctx context.Context, t attr.Type, raws []tftypes.Value, out []*basetypes.StringValue) bool {
	for i, raw := range raws {
		v, err := t.ValueFromTerraform(ctx, raw)
		if err != nil {
			return false
		}
		sv, ok := v.(basetypes.StringValuable)
		if !ok {
			return false
		}
		s, diags := sv.ToStringValue(ctx)
		if diags.HasError() {
			return false
		}
		*out[i] = s
	}
	return true
}

func int64Values(ctx context.Context, t attr.Type, raws []tftypes.Value, out []*basetypes.Int64Value) bool {
	for i, raw := range raws {
		v, err := t.ValueFromTerraform(ctx, raw)
		if err != nil {
			return false
		}
		iv, ok := v.(basetypes.Int64Valuable)
		if !ok {
			return false
		}
		n, diags := iv.ToInt64Value(ctx)
		if diags.HasError() {
			return false
		}
		*out[i] = n
	}
	return true
}

// attributeDefault is the value the default of a sets at p, and whether a
// has one; ok is false when the default cannot be read.
func attributeDefault(ctx context.Context, a schema.Attribute, p path.Path) (value tftypes.Value, has, ok bool) {
	var v attr.Value
	var diags diag.Diagnostics
	switch a := a.(type) {
	case schema.StringAttribute:
		if a.Default == nil {
			return tftypes.Value{}, false, true
		}
		resp := defaults.StringResponse{}
		a.Default.DefaultString(ctx, defaults.StringRequest{Path: p}, &resp)
		v, diags = resp.PlanValue, resp.Diagnostics
	case schema.Int64Attribute:
		if a.Default == nil {
			return tftypes.Value{}, false, true
		}
		resp := defaults.Int64Response{}
		a.Default.DefaultInt64(ctx, defaults.Int64Request{Path: p}, &resp)
		v, diags = resp.PlanValue, resp.Diagnostics
	case schema.BoolAttribute:
		if a.Default == nil {
			return tftypes.Value{}, false, true
		}
		resp := defaults.BoolResponse{}
		a.Default.DefaultBool(ctx, defaults.BoolRequest{Path: p}, &resp)
		v, diags = resp.PlanValue, resp.Diagnostics
	case schema.Float64Attribute:
		if a.Default == nil {
			return tftypes.Value{}, false, true
		}
		resp := defaults.Float64Response{}
		a.Default.DefaultFloat64(ctx, defaults.Float64Request{Path: p}, &resp)
		v, diags = resp.PlanValue, resp.Diagnostics
	case schema.ListAttribute:
		if a.Default == nil {
			return tftypes.Value{}, false, true
		}
		resp := defaults.ListResponse{}
		a.Default.DefaultList(ctx, defaults.ListRequest{Path: p}, &resp)
		v, diags = resp.PlanValue, resp.Diagnostics
	case schema.MapAttribute:
		if a.Default == nil {
			return tftypes.Value{}, false, true
		}
		resp := defaults.MapResponse{}
		a.Default.DefaultMap(ctx, defaults.MapRequest{Path: p}, &resp)
		v, diags = resp.PlanValue, resp.Diagnostics
	case schema.SetAttribute:
		if a.Default == nil {
			return tftypes.Value{}, false, true
		}
		resp := defaults.SetResponse{}
		a.Default.DefaultSet(ctx, defaults.SetRequest{Path: p}, &resp)
		v, diags = resp.PlanValue, resp.Diagnostics
	default:
		return tftypes.Value{}, false, false
	}
	if diags.HasError() || v == nil {
		return tftypes.Value{}, true, false
	}
	tv, err := v.ToTerraformValue(ctx)
	return tv, true, err == nil
}

// attributesKeep reports whether no default and no plan modifier of attrs
// changes planned (equal to the state), the object at base (at the root when
// base is nil) in the plan, where config is the configuration's object. The
// plan modifiers see whole, the configuration and the plan whole; nil for
// blocks' attributes, which have none (quietPlanSupports).
func attributesKeep(ctx context.Context, attrs map[string]schema.Attribute, base *path.Path, config, planned tftypes.Value, whole *[2]tfsdk.Config) bool {
	var configAttrs, plannedAttrs map[string]tftypes.Value
	if config.As(&configAttrs) != nil || planned.As(&plannedAttrs) != nil {
		return false
	}
	for name, a := range attrs {
		cv, inConfig := configAttrs[name]
		pv, inPlan := plannedAttrs[name]
		if !inConfig || !inPlan {
			return false
		}
		at := path.Root(name)
		if base != nil {
			at = base.AtName(name)
		}
		if cv.IsNull() {
			dv, has, ok := attributeDefault(ctx, a, at)
			if !ok || (has && !dv.Equal(pv)) {
				return false
			}
		}
		for _, keeps := range attributeModifiers(a) {
			if whole == nil || !keeps(ctx, at, whole[0], whole[1], cv, pv) {
				return false
			}
		}
	}
	return true
}

// defaultsAndModifiersKeep reports whether the framework's defaults and
// attribute plan modifiers leave planned (equal to the prior state) as it is
// under config.
func (f *functionShape) defaultsAndModifiersKeep(ctx context.Context, config, planned tftypes.Value) bool {
	whole := [2]tfsdk.Config{{Raw: config, Schema: f.schema}, {Raw: planned, Schema: f.schema}}
	if !attributesKeep(ctx, f.schema.Attributes, nil, config, planned, &whole) {
		return false
	}
	var configAttrs, plannedAttrs map[string]tftypes.Value
	if config.As(&configAttrs) != nil || planned.As(&plannedAttrs) != nil {
		return false
	}
	for name, b := range f.schema.Blocks {
		cb, pb := configAttrs[name], plannedAttrs[name]
		base := path.Root(name)
		switch b := b.(type) {
		case schema.ListNestedBlock:
			var cl, pl []tftypes.Value
			if cb.As(&cl) != nil || pb.As(&pl) != nil || len(cl) != len(pl) {
				return false
			}
			for i := range pl {
				at := base.AtListIndex(i)
				if !attributesKeep(ctx, b.NestedObject.Attributes, &at, cl[i], pl[i], nil) {
					return false
				}
			}
		case schema.SingleNestedBlock:
			switch {
			case pb.IsNull() && cb.IsNull():
			case pb.IsNull() || cb.IsNull():
				return false
			case !attributesKeep(ctx, b.Attributes, &base, cb, pb, nil):
				return false
			}
		default:
			return false
		}
	}
	return true
}

// quietPlan is the shortcut's answer to req, and whether it has one.
func (s *quietPlanServer) quietPlan(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool) {
	f := functionShapeOnce()
	data := s.provider.configured.Load()
	if !f.supported || req.TypeName != f.typeName || data == nil ||
		req.PriorState == nil || req.ProposedNewState == nil || req.Config == nil {
		return nil, false
	}
	prior, err := req.PriorState.Unmarshal(f.objectType)
	if err != nil || prior.IsNull() || !prior.IsFullyKnown() {
		return nil, false
	}
	if len(req.PriorState.MsgPack) == 0 || !bytes.Equal(req.ProposedNewState.MsgPack, req.PriorState.MsgPack) {
		proposed, err := req.ProposedNewState.Unmarshal(f.objectType)
		if err != nil || !proposed.Equal(prior) {
			return nil, false
		}
	}
	config, err := req.Config.Unmarshal(f.objectType)
	if err != nil || config.IsNull() || !f.defaultsAndModifiersKeep(ctx, config, prior) {
		return nil, false
	}
	private, ok := canonicalPrivate(req.PriorPrivate)
	if !ok {
		return nil, false
	}
	identity := tftypes.NewValue(f.identityType, nil)
	if req.PriorIdentity != nil {
		if req.PriorIdentity.IdentityData == nil {
			return nil, false
		}
		if identity, err = req.PriorIdentity.IdentityData.Unmarshal(f.identityType); err != nil {
			return nil, false
		}
	}

	var state functionModel
	if !decodeModel(ctx, f.attrType, prior, &state) {
		return nil, false
	}
	planned, diags, ok := (&functionResource{data: data}).quietModifyPlan(ctx, prior, &state)
	if !ok {
		return nil, false
	}
	protoDiags, ok := toProtoDiagnostics(diags)
	if !ok {
		return nil, false
	}
	plannedState, err := tfprotov6.NewDynamicValue(f.objectType, f.reifyNullBlocks(planned))
	if err != nil {
		return nil, false
	}
	plannedIdentity, err := tfprotov6.NewDynamicValue(f.identityType, identity)
	if err != nil {
		return nil, false
	}
	return &tfprotov6.PlanResourceChangeResponse{
		Diagnostics:     protoDiags,
		PlannedState:    &plannedState,
		PlannedPrivate:  private,
		PlannedIdentity: &tfprotov6.ResourceIdentityData{IdentityData: &plannedIdentity},
	}, true
}

// quietModifyPlan is ModifyPlan (planFunction) on state, the function's
// prior state prior as both plan and state, for the shortcut: the planned
// state and the diagnostics, or false where the shortcut hands the plan on.
// The steps that ask nothing of the API come first, and the shortcut gives
// up on any diagnostic of theirs or a change of the code (whose plan asks
// the API what it runs); from the catalogue check on, which may fetch the
// catalogue, it answers whatever happens, so that no request is made twice.
// Those first steps yield no diagnostic here, so the answer's are
// planFunction's, in its order.
func (r *functionResource) quietModifyPlan(ctx context.Context, prior tftypes.Value, state *functionModel) (tftypes.Value, diag.Diagnostics, bool) {
	plan := *state
	if len(checkDialect(r.data.client.Capabilities(), &plan)) > 0 || !plan.sourceKnown() {
		return tftypes.Value{}, nil, false
	}
	code, diags := r.planCode(ctx, &plan, false)
	if code != nil {
		defer code.Close()
	}
	if len(diags) > 0 || code == nil || !state.SourceHash.Equal(types.StringValue(code.sourceHash)) {
		return tftypes.Value{}, nil, false
	}
	if diags = r.checkCatalogue(ctx, &plan); diags.HasError() {
		// planFunction stops here, and ModifyPlan leaves the plan as it was.
		return prior, diags, true
	}
	plan.SourceHash = types.StringValue(code.sourceHash)
	replace, changeDiags := r.planChanges(ctx, &plan, state, code, nil)
	diags.Append(changeDiags...)
	if len(replace) > 0 {
		return tftypes.Value{}, nil, false
	}
	if diags.HasError() {
		return prior, diags, true
	}
	nullWhatIsNeverReturned(r.data.client.Capabilities(), &plan)
	planned, ok := encodeModel(ctx, functionShapeOnce().attrType, &plan)
	return planned, diags, ok
}

// toProtoDiagnostics is diags as the framework sends them.
func toProtoDiagnostics(diags diag.Diagnostics) ([]*tfprotov6.Diagnostic, bool) {
	var out []*tfprotov6.Diagnostic
	for _, d := range diags {
		pd := &tfprotov6.Diagnostic{Summary: d.Summary(), Detail: d.Detail()}
		switch d.Severity() {
		case diag.SeverityError:
			pd.Severity = tfprotov6.DiagnosticSeverityError
		case diag.SeverityWarning:
			pd.Severity = tfprotov6.DiagnosticSeverityWarning
		default:
			return nil, false
		}
		if wp, ok := d.(diag.DiagnosticWithPath); ok {
			p, ok := toTerraformPath(wp.Path())
			if !ok {
				return nil, false
			}
			pd.Attribute = p
		}
		out = append(out, pd)
	}
	return out, true
}

// toTerraformPath is p as the protocol carries it; false for steps into
// sets, which diagnostics here never take.
func toTerraformPath(p path.Path) (*tftypes.AttributePath, bool) {
	tp := tftypes.NewAttributePath()
	for _, step := range p.Steps() {
		switch s := step.(type) {
		case path.PathStepAttributeName:
			tp = tp.WithAttributeName(string(s))
		case path.PathStepElementKeyInt:
			tp = tp.WithElementKeyInt(int(s))
		case path.PathStepElementKeyString:
			tp = tp.WithElementKeyString(string(s))
		default:
			return nil, false
		}
	}
	return tp, true
}

// reifyNullBlocks is v with its null list and set blocks made empty, as
// the framework sends every state and plan.
func (f *functionShape) reifyNullBlocks(v tftypes.Value) tftypes.Value {
	return f.rewriteBlocks(v, func(bv tftypes.Value) (tftypes.Value, bool) {
		return tftypes.NewValue(bv.Type(), []tftypes.Value{}), bv.IsNull()
	})
}

// nullifyEmptyBlocks is v with its empty list and set blocks made null, as
// the framework reads every state and plan.
func (f *functionShape) nullifyEmptyBlocks(v tftypes.Value) tftypes.Value {
	return f.rewriteBlocks(v, func(bv tftypes.Value) (tftypes.Value, bool) {
		var elems []tftypes.Value
		empty := !bv.IsNull() && bv.IsFullyKnown() && bv.As(&elems) == nil && len(elems) == 0
		return tftypes.NewValue(bv.Type(), nil), empty
	})
}

// rewriteBlocks is v with each list or set block that rewrite takes (its
// second result) replaced by rewrite's value; v itself when none is.
func (f *functionShape) rewriteBlocks(v tftypes.Value, rewrite func(tftypes.Value) (tftypes.Value, bool)) tftypes.Value {
	var attrs map[string]tftypes.Value
	if v.IsNull() || !v.IsKnown() || v.As(&attrs) != nil {
		return v
	}
	changed := false
	for name, b := range f.schema.Blocks {
		switch b.(type) {
		case schema.ListNestedBlock, schema.SetNestedBlock:
			if bv, ok := attrs[name]; ok {
				if nv, take := rewrite(bv); take {
					attrs[name], changed = nv, true
				}
			}
		}
	}
	if !changed {
		return v
	}
	return tftypes.NewValue(v.Type(), attrs)
}

// canonicalPrivate is private state as the framework passes it on: read as a
// map of JSON values, empty ones left out, written back (nil when empty);
// ok is false where the framework would complain or discard.
func canonicalPrivate(raw []byte) ([]byte, bool) {
	framework, provider, ok := splitPrivate(raw)
	if !ok {
		return nil, false
	}
	return joinPrivate(framework, provider)
}
