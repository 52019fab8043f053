// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

// Every answer of the quiet-plan shortcut in this package's tests, the whole
// acceptance suite included, is checked against the framework's own answer
// to the same request: a difference fails the plan that met it.
// So is every state upgrade the server passes on itself.
func init() {
	quietPlanCheck = checkQuietPlan
	quietUpgradeCheck = checkQuietUpgrade
}

// shortcutCounts counts the shortcuts' answers by function name.
type shortcutCounts struct {
	sync.Mutex
	byName map[string]int
}

var quietPlans, quietUpgrades = &shortcutCounts{byName: map[string]int{}}, &shortcutCounts{byName: map[string]int{}}

func (c *shortcutCounts) of(name string) int {
	c.Lock()
	defer c.Unlock()
	return c.byName[name]
}

// count counts one answer for the function whose state is v.
func (c *shortcutCounts) count(v *tfprotov6.DynamicValue) {
	if v == nil {
		return
	}
	state, err := v.Unmarshal(functionShapeOnce().objectType)
	var attrs map[string]tftypes.Value
	var name string
	if err != nil || state.As(&attrs) != nil || attrs["name"].As(&name) != nil {
		return
	}
	c.Lock()
	c.byName[name]++
	c.Unlock()
}

func checkQuietUpgrade(ctx context.Context, s *quietPlanServer, req *tfprotov6.UpgradeResourceStateRequest,
	quiet *tfprotov6.UpgradeResourceStateResponse,
) *tfprotov6.UpgradeResourceStateResponse {
	want, err := s.frameworkServer.UpgradeResourceState(ctx, req)
	if err == nil {
		err = sameDiagnostics(quiet.Diagnostics, want.Diagnostics)
	}
	if err == nil {
		err = sameValue(quiet.UpgradedState, want.UpgradedState, functionShapeOnce().objectType)
	}
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: []*tfprotov6.Diagnostic{{
			Severity: tfprotov6.DiagnosticSeverityError,
			Summary:  "The state upgrade's shortcut differs from the framework",
			Detail:   err.Error(),
		}}}
	}
	quietUpgrades.count(quiet.UpgradedState)
	return quiet
}

// fetched reports whether the catalogue is at hand, so that get asks the API
// nothing.
func (c *liveCatalogue) fetched() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runtimes != nil
}

func checkQuietPlan(ctx context.Context, s *quietPlanServer, req *tfprotov6.PlanResourceChangeRequest,
	quiet *tfprotov6.PlanResourceChangeResponse,
) *tfprotov6.PlanResourceChangeResponse {
	if len(quiet.Diagnostics) > 0 && !s.provider.configured.Load().catalogue.fetched() {
		// The catalogue could not be fetched: asking the framework would
		// fetch it again, which tests counting requests would see.
		return quiet
	}
	want, err := s.frameworkServer.PlanResourceChange(ctx, req)
	if err == nil {
		err = sameAnswer(quiet, want)
	}
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: []*tfprotov6.Diagnostic{{
			Severity: tfprotov6.DiagnosticSeverityError,
			Summary:  "The quiet-plan shortcut differs from the framework",
			Detail:   err.Error(),
		}}}
	}
	quietPlans.count(req.PriorState)
	return quiet
}

// sameAnswer compares two answers to a plan by value.
func sameAnswer(got, want *tfprotov6.PlanResourceChangeResponse) error {
	shape := functionShapeOnce()
	if err := sameDiagnostics(got.Diagnostics, want.Diagnostics); err != nil {
		return err
	}
	switch {
	case len(got.RequiresReplace) != len(want.RequiresReplace):
		return fmt.Errorf("requires replace: %v, the framework %v", got.RequiresReplace, want.RequiresReplace)
	case (got.Deferred == nil) != (want.Deferred == nil):
		return fmt.Errorf("deferred: %v, the framework %v", got.Deferred, want.Deferred)
	case !bytes.Equal(got.PlannedPrivate, want.PlannedPrivate):
		return fmt.Errorf("private: %q, the framework %q", got.PlannedPrivate, want.PlannedPrivate)
	}
	if err := sameValue(got.PlannedState, want.PlannedState, shape.objectType); err != nil {
		return fmt.Errorf("planned state: %w", err)
	}
	if (got.PlannedIdentity == nil) != (want.PlannedIdentity == nil) {
		return fmt.Errorf("identity: %v, the framework %v", got.PlannedIdentity, want.PlannedIdentity)
	}
	if got.PlannedIdentity != nil {
		if err := sameValue(got.PlannedIdentity.IdentityData, want.PlannedIdentity.IdentityData, shape.identityType); err != nil {
			return fmt.Errorf("identity: %w", err)
		}
	}
	return nil
}

func sameDiagnostics(got, want []*tfprotov6.Diagnostic) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d diagnostics, the framework %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.Severity != w.Severity || g.Summary != w.Summary || g.Detail != w.Detail ||
			(g.Attribute == nil) != (w.Attribute == nil) || (g.Attribute != nil && !g.Attribute.Equal(w.Attribute)) {
			return fmt.Errorf("diagnostic %d: %v %q %q at %v, the framework %v %q %q at %v", i,
				g.Severity, g.Summary, g.Detail, g.Attribute, w.Severity, w.Summary, w.Detail, w.Attribute)
		}
	}
	return nil
}

func sameValue(got, want *tfprotov6.DynamicValue, typ tftypes.Type) error {
	if got == nil || want == nil {
		if got != want {
			return fmt.Errorf("%v, the framework %v", got, want)
		}
		return nil
	}
	g, err := got.Unmarshal(typ)
	if err != nil {
		return err
	}
	w, err := want.Unmarshal(typ)
	if err != nil {
		return err
	}
	if !g.Equal(w) {
		return fmt.Errorf("%s, the framework %s", g, w)
	}
	return nil
}

// The plan of an unchanged function is answered by the shortcut, on both
// dialects, with defaults in the config block and a timeouts block; the
// framework's answer to the same requests is the same (checkQuietPlan).
// Where a default or a Failed function changes the plan, so does the
// shortcut's answer. The refreshes' state upgrades and reads are the
// server's too (UpgradeResourceState, ReadResource), as the framework's
// would be.
func TestAccFunction_quietPlanShortcut(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		name := "quiet-plan-" + d.name
		cfg := dialectConfig(env, name, "one", "environment = { A = \"1\" }\nconfig {\n  memory_mb = 256\n}\ntimeouts {\n  create = \"5m\"\n}")
		changed := dialectConfig(env, name, "one", "environment = { A = \"2\" }\nconfig {\n  memory_mb = 256\n}\ntimeouts {\n  create = \"5m\"\n}")
		var plans, upgrades, reads int
		answered := func(*terraform.State) error {
			if n := quietPlans.of(name); n <= plans {
				return fmt.Errorf("the shortcut answered %d plans of %s, want more than %d", n, name, plans)
			}
			if n := quietUpgrades.of(name); n <= upgrades {
				return fmt.Errorf("the shortcut passed %d states of %s on, want more than %d", n, name, upgrades)
			}
			if n := quietReads.of(name); n <= reads {
				return fmt.Errorf("the shortcut read %s %d times, want more than %d", name, n, reads)
			}
			plans, upgrades, reads = quietPlans.of(name), quietUpgrades.of(name), quietReads.of(name)
			return nil
		}
		// Left out, the environment is its default again: the proposed
		// state is the prior one, and the default changes the plan.
		defaulted := dialectConfig(env, name, "one", "config {\n  memory_mb = 256\n}\ntimeouts {\n  create = \"5m\"\n}")
		failed := driftSteps{t: t, env: env, cfg: defaulted}.outside(func(f *localfaas.Function) {
			f.Status, f.ErrorMessage = faas.StatusFailed, "image pull failed"
		})
		accTest(t, env,
			resource.TestStep{Config: cfg},
			resource.TestStep{Config: cfg, Check: answered},
			resource.TestStep{Config: changed, ConfigPlanChecks: expectUpdate()},
			resource.TestStep{Config: changed, Check: answered},
			resource.TestStep{Config: defaulted, ConfigPlanChecks: expectUpdate()},
			// A function found Failed is redeployed, its configuration
			// unchanged.
			resource.TestStep{PreConfig: failed, Config: defaulted, ConfigPlanChecks: expectUpdate(), Check: answered},
		)
	})
}

// The shortcut covers e2e_faas_function's schema as it is, and refuses a
// schema holding what it does not check.
func TestQuietPlanSupports(t *testing.T) {
	if !functionShapeOnce().supported {
		t.Fatal("the shortcut does not cover e2e_faas_function's schema")
	}
	withAttribute := func(a schema.Attribute) schema.Schema {
		return schema.Schema{Attributes: map[string]schema.Attribute{"x": a}}
	}
	for name, s := range map[string]schema.Schema{
		"write-only":       withAttribute(schema.StringAttribute{Optional: true, WriteOnly: true}),
		"nested attribute": withAttribute(schema.SingleNestedAttribute{Optional: true, Attributes: map[string]schema.Attribute{"y": schema.StringAttribute{Optional: true}}}),
		"object attribute": withAttribute(schema.ObjectAttribute{Optional: true, AttributeTypes: map[string]attr.Type{"y": types.StringType}}),
		"block in a block": {Blocks: map[string]schema.Block{"b": schema.ListNestedBlock{NestedObject: schema.NestedBlockObject{
			Blocks: map[string]schema.Block{"c": schema.SingleNestedBlock{}},
		}}}},
		"modifier in a block": {Blocks: map[string]schema.Block{"b": schema.SingleNestedBlock{Attributes: map[string]schema.Attribute{
			"y": schema.StringAttribute{Optional: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		}}}},
	} {
		if quietPlanSupports(s) {
			t.Errorf("%s: supported", name)
		}
	}
	if !quietPlanSupports(withAttribute(schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("d")})) {
		t.Error("a string with a default: not supported")
	}
}

// Private state goes on as the framework writes it: empty values left out,
// nothing at all when nothing is left; what the framework would refuse or
// discard goes to the framework.
func TestCanonicalPrivate(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{`{"b":"eyJ4IjoxfQ==","a":""}`, `{"b":"eyJ4IjoxfQ=="}`, true},
		{`{"a":""}`, "", true},
		{`not json`, "", false},
		{`{"a":1}`, "", false},
		{`{"a":"bm90IGpzb24="}`, "", false}, // "not json"
	} {
		got, ok := canonicalPrivate([]byte(c.in))
		if ok != c.ok || string(got) != c.want {
			t.Errorf("canonicalPrivate(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// The server main.go serves is the wrapper, and it hides none of the
// framework's services (list resources and actions among them).
func TestNewServerWraps(t *testing.T) {
	s := NewServer("test")()
	if _, ok := s.(*quietPlanServer); !ok {
		t.Fatalf("NewServer gives %T, not the shortcut's wrapper", s)
	}
	if _, ok := s.(frameworkServer); !ok {
		t.Fatal("the wrapper hides some of the framework's services")
	}
}

// A null config block goes out as an empty list, as the framework sends it.
func TestQuietPlanReifiesNullBlocks(t *testing.T) {
	f := functionShapeOnce()
	objType, ok := f.objectType.(tftypes.Object)
	if !ok {
		t.Fatalf("the schema's type is %T", f.objectType)
	}
	attrs := map[string]tftypes.Value{}
	for name, typ := range objType.AttributeTypes {
		attrs[name] = tftypes.NewValue(typ, nil)
	}
	got := f.reifyNullBlocks(tftypes.NewValue(objType, attrs))
	var out map[string]tftypes.Value
	if err := got.As(&out); err != nil {
		t.Fatal(err)
	}
	var blocks []tftypes.Value
	if err := out["config"].As(&blocks); err != nil || out["config"].IsNull() || len(blocks) != 0 {
		t.Errorf("config = %s, want an empty list", out["config"])
	}
	if !out["timeouts"].IsNull() {
		t.Errorf("timeouts = %s, want null (a single block stays null)", out["timeouts"])
	}
}

var quietReads = &shortcutCounts{byName: map[string]int{}}

func init() { quietReadCheck = checkQuietRead }

// checkQuietRead compares the read shortcut's answer with the framework's
// Read of the same request, which takes the API's answer from ctx.
func checkQuietRead(ctx context.Context, s *quietPlanServer, req *tfprotov6.ReadResourceRequest,
	quiet *tfprotov6.ReadResourceResponse,
) *tfprotov6.ReadResourceResponse {
	shape := functionShapeOnce()
	want, err := s.frameworkServer.ReadResource(ctx, req)
	if err == nil {
		err = sameDiagnostics(quiet.Diagnostics, want.Diagnostics)
	}
	if err == nil {
		err = sameValue(quiet.NewState, want.NewState, shape.objectType)
	}
	if err == nil && !bytes.Equal(quiet.Private, want.Private) {
		err = fmt.Errorf("private: %q, the framework %q", quiet.Private, want.Private)
	}
	if err == nil && (quiet.Deferred == nil) != (want.Deferred == nil) {
		err = fmt.Errorf("deferred: %v, the framework %v", quiet.Deferred, want.Deferred)
	}
	if err == nil && (quiet.NewIdentity == nil) != (want.NewIdentity == nil) {
		err = fmt.Errorf("identity: %v, the framework %v", quiet.NewIdentity, want.NewIdentity)
	}
	if err == nil && quiet.NewIdentity != nil {
		err = sameValue(quiet.NewIdentity.IdentityData, want.NewIdentity.IdentityData, shape.identityType)
	}
	if err != nil {
		return &tfprotov6.ReadResourceResponse{Diagnostics: []*tfprotov6.Diagnostic{{
			Severity: tfprotov6.DiagnosticSeverityError,
			Summary:  "The read shortcut differs from the framework",
			Detail:   err.Error(),
		}}}
	}
	quietReads.count(req.CurrentState)
	return quiet
}

type meaningValue struct{ basetypes.StringValue }

func (meaningValue) StringSemanticEquals(context.Context, basetypes.StringValuable) (bool, diag.Diagnostics) {
	return true, nil
}

type meaningType struct{ basetypes.StringType }

func (meaningType) ValueType(context.Context) attr.Value { return meaningValue{} }

// The read shortcut covers e2e_faas_function's schema, and no schema with a
// type that compares by meaning, however deep.
func TestQuietReadSupports(t *testing.T) {
	ctx := context.Background()
	if !functionShapeOnce().readSupported {
		t.Fatal("the read shortcut does not cover e2e_faas_function's schema")
	}
	for _, typ := range []attr.Type{
		meaningType{},
		types.ListType{ElemType: meaningType{}},
		types.ObjectType{AttrTypes: map[string]attr.Type{"x": types.MapType{ElemType: meaningType{}}}},
	} {
		if noSemanticEquality(ctx, typ) {
			t.Errorf("%s: no semantic equality found", typ)
		}
	}
}

// Private state is split and joined as the framework does: its own keys
// kept apart, empty values left out.
func TestSplitAndJoinPrivate(t *testing.T) {
	fw, own, ok := splitPrivate([]byte(`{".import_before_read":"dHJ1ZQ==","api_dialect":"ImZhYXMtdjEi"}`))
	if !ok || len(fw) != 1 || string(own["api_dialect"]) != `"faas-v1"` {
		t.Fatalf("split: %q %q %v", fw, own, ok)
	}
	p := &privateKeys{data: own}
	if diags := p.SetKey(context.Background(), "api_dialect", nil); diags.HasError() {
		t.Fatal(diags)
	}
	if diags := p.SetKey(context.Background(), ".mine", []byte(`1`)); !diags.HasError() {
		t.Error("a key starting with a period was taken")
	}
	if diags := p.SetKey(context.Background(), "x", []byte(`not json`)); !diags.HasError() {
		t.Error("a value that is not JSON was taken")
	}
	out, ok := joinPrivate(fw, p.data)
	if want := `{".import_before_read":"dHJ1ZQ=="}`; !ok || string(out) != want {
		t.Errorf("join: %s, want %s", out, want)
	}
	if out, ok := joinPrivate(nil, map[string][]byte{}); !ok || out != nil {
		t.Errorf("join of nothing: %q", out)
	}
	for _, bad := range []string{`not json`, `{"a":1}`, `{"a":"bm90IGpzb24="}`} {
		if _, _, ok := splitPrivate([]byte(bad)); ok {
			t.Errorf("split %s: taken", bad)
		}
	}
}
