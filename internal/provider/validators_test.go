// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// problem is what a test expects of one error diagnostic: its attribute and
// a part of its detail.
type problem struct {
	at     path.Path
	saying string
}

// expectProblems fails unless diags are exactly the errors of want, in order.
func expectProblems(t *testing.T, diags diag.Diagnostics, want ...problem) {
	t.Helper()
	if len(diags) != len(want) {
		t.Fatalf("%d diagnostics, want %d: %v", len(diags), len(want), diags)
	}
	for i, w := range want {
		d := diags[i]
		withPath, ok := d.(diag.DiagnosticWithPath)
		if d.Severity() != diag.SeverityError || !ok || !withPath.Path().Equal(w.at) {
			t.Errorf("diagnostic %d is not an error on %s: %v", i, w.at, d)
		}
		if !strings.Contains(d.Detail(), w.saying) {
			t.Errorf("diagnostic %d says %q, want it to say %q", i, d.Detail(), w.saying)
		}
	}
}

// checkAgainstCatalogue: the runtime must be offered, then its template and
// hardware; what is unknown ("") is skipped.
func TestCheckAgainstCatalogue(t *testing.T) {
	rts := []faas.Runtime{
		{Name: "python3.11", Templates: []string{"http"}, Hardware: []string{"cpu"}},
		{Name: "node20", Templates: []string{"http", "node"}, Hardware: []string{"cpu"}},
		{Name: "pytorch2.1.2", Templates: []string{"http"}, Hardware: []string{"cpu", "gpu"}},
		// MyAccount's catalogue has no templates.
		{Name: "python3-http-debian", Hardware: []string{"cpu"}},
	}
	hardwareAt := path.Root("config").AtListIndex(0).AtName("hardware_type")
	for _, tc := range []struct {
		name                        string
		runtime, template, hardware string
		want                        []problem
	}{
		{"offered", "node20", "node", "cpu", nil},
		{"gpu runtime on gpu", "pytorch2.1.2", "http", "gpu", nil},
		{"everything unknown", "", "", "", nil},
		{"runtime unknown, the rest wrong", "", "flask", "tpu", nil},
		{"template and hardware unknown", "python3.11", "", "", nil},
		{"runtime not offered", "go1.21", "go", "gpu", []problem{
			{path.Root("runtime"), `has no "go1.21". Available: python3.11, node20, pytorch2.1.2, python3-http-debian.`},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectProblems(t, checkAgainstCatalogue(rts, flavorFaaSV1, tc.runtime, tc.template, tc.hardware, hardwareAt), tc.want...)
		})
	}
	// A MyAccount catalogue (no templates) and a faas-v1 runtime: the
	// message names the API checked and how to pick the other.
	myAccountRuntimes := []faas.Runtime{{Name: "python3-http-debian", Hardware: []string{"cpu"}}}
	expectProblems(t, checkAgainstCatalogue(myAccountRuntimes, flavorMyAccount, "python3.11", "", "", hardwareAt),
		problem{path.Root("runtime"), `has no "python3.11". Available: python3-http-debian. The runtimes were checked against the MyAccount API ` +
			`(api_flavor = "myaccount", the API E2E serves). "python3.11" is a runtime of the faas-v1 API (api_flavor = "faas-v1"): ` +
			`to use it, set api_flavor = "faas-v1" (or E2E_API_FLAVOR=faas-v1)`},
	)
	for _, tc := range []struct {
		name                        string
		runtime, template, hardware string
		want                        []problem
	}{
		{"template not offered", "node20", "flask", "cpu", []problem{
			{path.Root("template"), `Runtime node20 offers the templates http, node; "flask" is not one of them.`},
		}},
		{"hardware not offered", "node20", "http", "gpu", []problem{
			{hardwareAt, `Runtime node20 runs on cpu; "gpu" is not available for it.`},
		}},
		{"template and hardware not offered", "python3.11", "fastapi", "gpu", []problem{
			{path.Root("template"), `"fastapi" is not one of them`},
			{hardwareAt, `"gpu" is not available`},
		}},
		{"a catalogue without templates leaves the template alone", "python3-http-debian", "flask", "cpu", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectProblems(t, checkAgainstCatalogue(rts, flavorFaaSV1, tc.runtime, tc.template, tc.hardware, hardwareAt), tc.want...)
		})
	}
}

// checkDialect: faas-v1 holds the runtime to its catalogue; myaccount
// refuses every setting it has no field for, and its own limits.
func TestCheckDialect(t *testing.T) {
	faasV1Caps := (&faas.Client{}).Capabilities()
	myAccountCaps := (&faas.MyAccountClient{}).Capabilities()
	at := func(name string) path.Path { return path.Root("config").AtListIndex(0).AtName(name) }
	block := func(name string, v attr.Value) func(*functionModel) {
		return func(m *functionModel) { m.Config = configBlock(map[string]attr.Value{name: v}) }
	}
	for _, tc := range []struct {
		name string
		caps faas.Capabilities
		plan func(*functionModel)
		want []problem
	}{
		{"faas-v1, a runtime of its catalogue", faasV1Caps, func(*functionModel) {}, nil},
		{"faas-v1, a runtime outside it", faasV1Caps, func(m *functionModel) { m.Runtime = types.StringValue("python2.7") },
			[]problem{{path.Root("runtime"), `value must be one of: ["python3.11" "node20" "node18" "csharp7.0" "php8.2" "go1.21" "pytorch2.1.2" "tensorflow2.19.0" "custom"], got: "python2.7"`}}},
		{"faas-v1, a MyAccount runtime: names both APIs and how to pick the other", faasV1Caps, func(m *functionModel) { m.Runtime = types.StringValue("python3-http-debian") },
			[]problem{{path.Root("runtime"), `checked against the faas-v1 API (api_flavor = "faas-v1"). "python3-http-debian" is a runtime of the MyAccount API ` +
				`(api_flavor = "myaccount", the API E2E serves): to use it, set api_flavor = "myaccount" (or E2E_API_FLAVOR=myaccount)`}}},
		{"faas-v1, a runtime unknown at plan time", faasV1Caps, func(m *functionModel) { m.Runtime = types.StringUnknown() }, nil},
		{"faas-v1 carries every setting", faasV1Caps, func(m *functionModel) {
			m.Template, m.Labels = types.StringValue("flask"), mapValue(map[string]string{"team": "a"})
			m.Config = configBlock(map[string]attr.Value{"replicas": types.Int64Value(3), "memory_mb": types.Int64Value(200)})
		}, nil},

		{"myaccount, only what it carries", myAccountCaps, func(m *functionModel) {
			m.Config = configBlock(map[string]attr.Value{"memory_mb": types.Int64Value(512), "timeout_seconds": types.Int64Value(600)})
		}, nil},
		{"myaccount, a name too long", myAccountCaps, func(m *functionModel) { m.Name = types.StringValue(strings.Repeat("a", 41)) },
			[]problem{{path.Root("name"), `Under the MyAccount API (api_flavor = "myaccount", the API E2E serves) function names start with a letter and have at most 40 characters`}}},
		{"myaccount, a name starting with a digit", myAccountCaps, func(m *functionModel) { m.Name = types.StringValue("1fn") },
			[]problem{{path.Root("name"), "start with a letter"}}},
		{"faas-v1, a name starting with a digit", faasV1Caps, func(m *functionModel) { m.Name = types.StringValue("1fn") }, nil},
		{"myaccount, a template", myAccountCaps, func(m *functionModel) { m.Template = types.StringValue("flask") },
			[]problem{{path.Root("template"), `template = "flask": the runtime decides the template. The MyAccount API`}}},
		{"myaccount, a handler", myAccountCaps, func(m *functionModel) { m.HandlerFunction = types.StringValue("main") },
			[]problem{{path.Root("handler_function"), `the runtime calls "handle"`}}},
		{"myaccount, labels", myAccountCaps, func(m *functionModel) { m.Labels = mapValue(map[string]string{"team": "a"}) },
			[]problem{{path.Root("labels"), "labels are set"}}},
		{"myaccount, annotations", myAccountCaps, func(m *functionModel) { m.Annotations = mapValue(map[string]string{"owner": "b"}) },
			[]problem{{path.Root("annotations"), "annotations are set"}}},
		{"myaccount, replicas", myAccountCaps, block("replicas", types.Int64Value(2)),
			[]problem{{at("replicas"), "replicas = 2 (the platform scales functions itself)"}}},
		{"myaccount, min_scale", myAccountCaps, block("min_scale", types.Int64Value(0)), []problem{{at("min_scale"), "min_scale = 0"}}},
		{"myaccount, max_scale", myAccountCaps, block("max_scale", types.Int64Value(10)), []problem{{at("max_scale"), "max_scale = 10"}}},
		{"myaccount, a memory size it does not offer", myAccountCaps, block("memory_mb", types.Int64Value(200)),
			[]problem{{at("memory_mb"), `The MyAccount API (api_flavor = "myaccount", the API E2E serves) accepts memory_mb of 128, 256, 512, 1024; 200 is not one of them. ` +
				`Choose one of them, or use the faas-v1 API: set api_flavor = "faas-v1" (or E2E_API_FLAVOR=faas-v1)`}}},
		{"myaccount, a timeout too long", myAccountCaps, block("timeout_seconds", types.Int64Value(700)),
			[]problem{{at("timeout_seconds"), `MyAccount API (api_flavor = "myaccount", the API E2E serves) accepts timeout_seconds from 1 to 600; 700 is more. ` +
				`Lower it, or use the faas-v1 API: set api_flavor = "faas-v1" (or E2E_API_FLAVOR=faas-v1)`}}},
		{"myaccount, a config unknown at plan time", myAccountCaps, block("replicas", types.Int64Unknown()), nil},
		{"myaccount, settings unknown at plan time", myAccountCaps, func(m *functionModel) {
			m.Name, m.Template, m.HandlerFunction, m.Labels = types.StringUnknown(), types.StringUnknown(), types.StringUnknown(), types.MapUnknown(types.StringType)
		}, nil},
		{"myaccount, everything at once", myAccountCaps, func(m *functionModel) {
			m.HandlerFunction = types.StringValue("main")
			m.Config = configBlock(map[string]attr.Value{"replicas": types.Int64Value(2), "timeout_seconds": types.Int64Value(900)})
		}, []problem{
			{path.Root("handler_function"), "handler_function"},
			{at("replicas"), "replicas = 2"},
			{at("timeout_seconds"), "900 is more"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := plannedFunction()
			plan.Name = types.StringValue("fn-1") // fits both dialects
			if !tc.caps.Archives {
				plan.Runtime = types.StringValue("python3-http-debian")
			}
			tc.plan(&plan)
			expectProblems(t, checkDialect(tc.caps, &plan), tc.want...)
		})
	}
}

// A config number that is not a whole int64 is read (types.Int64Type
// cannot read it, and the framework then reports a bug in the provider) and
// fails on its own attribute; a whole number reads as types.Int64Type would.
func TestWholeNumberType(t *testing.T) {
	ctx := context.Background()
	number := func(v any) tftypes.Value { return tftypes.NewValue(tftypes.Number, v) }
	at := path.Root("config").AtListIndex(0)
	for _, tc := range []struct {
		name  string
		in    tftypes.Value
		path  path.Path
		want  basetypes.Int64Value
		wants []problem
	}{
		{"whole", number(256), at.AtName("memory_mb"), types.Int64Value(256), nil},
		{"null", number(nil), at.AtName("memory_mb"), types.Int64Null(), nil},
		{"unknown", number(tftypes.UnknownValue), at.AtName("memory_mb"), types.Int64Unknown(), nil},
		{"fractional", number(128.5), at.AtName("memory_mb"), types.Int64Unknown(),
			[]problem{{at.AtName("memory_mb"), "memory_mb must be a whole number (such as 128); 128.5 is not."}}},
		{"too big for 64 bits", number(1e30), at.AtName("replicas"), types.Int64Unknown(),
			[]problem{{at.AtName("replicas"), "replicas must be a whole number (such as 1); 1e+30 is not."}}},
		{"in the second block", number(0.5), path.Root("config").AtListIndex(1).AtName("timeout_seconds"), types.Int64Unknown(),
			[]problem{{path.Root("config").AtListIndex(1).AtName("timeout_seconds"), "timeout_seconds must be a whole number (such as 30); 0.5 is not."}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := wholeNumberType{}.ValueFromTerraform(ctx, tc.in)
			if err != nil {
				t.Fatalf("not read: %v", err)
			}
			n, ok := v.(wholeNumber)
			if !ok {
				t.Fatalf("read as %T", v)
			}
			if got, _ := n.ToInt64Value(ctx); !got.Equal(tc.want) {
				t.Errorf("as an int64: %s, want %s", got, tc.want)
			}
			if back, err := n.ToTerraformValue(ctx); err != nil || !back.Equal(tc.in) {
				t.Errorf("back to Terraform: %v (%v), want %v", back, err, tc.in)
			}
			var resp xattr.ValidateAttributeResponse
			n.ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: tc.path}, &resp)
			expectProblems(t, resp.Diagnostics, tc.wants...)
		})
	}
}

// The string validators of the schema that the library has no form for.
func TestStringValidators(t *testing.T) {
	at := path.Root("labels").AtMapKey("k")
	for _, tc := range []struct {
		name  string
		v     validator.String
		value types.String
		want  []problem
	}{
		{"a user's key", noPrefix(reservedMetadataPrefix), types.StringValue("team"), nil},
		{"the platform's key", noPrefix(reservedMetadataPrefix), types.StringValue("com.openfaas.scale.min"), []problem{{at, `"com.openfaas.scale.min" starts with "com.openfaas."`}}},
		{"an unknown key", noPrefix(reservedMetadataPrefix), types.StringUnknown(), nil},
		{"a value", noNULValue{}, types.StringValue("a b"), nil},
		{"a value with NUL", noNULValue{}, types.StringValue("a\x00b"), []problem{{at, "NUL character"}}},
		{"a null value", noNULValue{}, types.StringNull(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var resp validator.StringResponse
			tc.v.ValidateString(context.Background(), validator.StringRequest{Path: at, ConfigValue: tc.value}, &resp)
			expectProblems(t, resp.Diagnostics, tc.want...)
			// The value itself is sensitive (environment): never repeated.
			if _, isNUL := tc.v.(noNULValue); isNUL && len(resp.Diagnostics) > 0 && strings.Contains(resp.Diagnostics[0].Detail(), tc.value.ValueString()) {
				t.Errorf("the message repeats the value: %q", resp.Diagnostics[0].Detail())
			}
		})
	}
}
