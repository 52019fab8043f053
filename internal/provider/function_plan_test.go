// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// diffFunction splits a plan into the API's update groups: each change falls
// in its group only, an unknown planned value counts as a change, and a
// config block that spells out the defaults changes nothing.
func TestDiffFunction(t *testing.T) {
	for _, tc := range []struct {
		name string
		plan func(*functionModel)
		want functionChanges
	}{
		{"nothing", func(*functionModel) {}, functionChanges{}},
		{"inline code", func(m *functionModel) { m.CodeInline = types.StringValue("def handle(e, c):\n    return 2\n") }, functionChanges{code: true}},
		{"code source moved", func(m *functionModel) {
			m.CodeInline, m.CodePath = types.StringNull(), types.StringValue("./src")
		}, functionChanges{code: true}},
		{"code excludes", func(m *functionModel) { m.CodeExcludes = listValue([]string{"*.md"}) }, functionChanges{code: true}},
		{"source_hash unknown", func(m *functionModel) { m.SourceHash = types.StringUnknown() }, functionChanges{code: true}},
		{"requirements", func(m *functionModel) { m.Requirements = types.StringValue("flask\n") }, functionChanges{code: true, codeSettings: true}},
		{"handler", func(m *functionModel) { m.HandlerFunction = types.StringValue("main") }, functionChanges{code: true, codeSettings: true}},
		{"template", func(m *functionModel) { m.Template = types.StringValue("flask") }, functionChanges{code: true, codeSettings: true}},
		{"memory", func(m *functionModel) {
			m.Config = configBlock(map[string]attr.Value{"memory_mb": types.Int64Value(256)})
		}, functionChanges{config: true}},
		{"a block of the defaults", func(m *functionModel) {
			m.Config = configBlock(map[string]attr.Value{"hardware_type": types.StringValue("cpu")})
		}, functionChanges{}},
		{"config unknown", func(m *functionModel) {
			m.Config = configBlock(map[string]attr.Value{"timeout_seconds": types.Int64Unknown()})
		}, functionChanges{config: true}},
		{"environment", func(m *functionModel) { m.Environment = mapValue(map[string]string{"A": "1"}) }, functionChanges{environment: true}},
		{"environment unknown", func(m *functionModel) { m.Environment = types.MapUnknown(types.StringType) }, functionChanges{environment: true}},
		{"secrets", func(m *functionModel) { m.Secrets = listValue([]string{"db"}) }, functionChanges{environment: true}},
		{"labels", func(m *functionModel) { m.Labels = mapValue(map[string]string{"team": "a"}) }, functionChanges{metadata: true}},
		{"annotations", func(m *functionModel) { m.Annotations = mapValue(map[string]string{"owner": "b"}) }, functionChanges{metadata: true}},
		{"every group", func(m *functionModel) {
			m.Requirements = types.StringValue("flask\n")
			m.Config = configBlock(map[string]attr.Value{"memory_mb": types.Int64Value(256)})
			m.Secrets = listValue([]string{"db"})
			m.Labels = mapValue(map[string]string{"team": "a"})
		}, functionChanges{code: true, codeSettings: true, config: true, environment: true, metadata: true}},
		// Computed attributes are not the user's: they never make a group.
		{"computed only", func(m *functionModel) {
			m.Status, m.Version, m.UpdatedAt, m.CodeSHA256 = types.StringUnknown(), types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		}, functionChanges{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := deployedFunction()
			plan := deployedFunction()
			tc.plan(&plan)
			got := diffFunction(&plan, &state)
			if got != tc.want {
				t.Errorf("diffFunction = %+v, want %+v", got, tc.want)
			}
			if got.redeploys() != (tc.want.code || tc.want.config || tc.want.environment) {
				t.Errorf("redeploys() = %v for %+v", got.redeploys(), got)
			}
			if got.writes() != (tc.want != functionChanges{}) {
				t.Errorf("writes() = %v for %+v", got.writes(), got)
			}
		})
	}
}

// A state holding the drift marker differs from any plan's source_hash: the
// plan updates the code.
func TestDiffFunction_driftMarker(t *testing.T) {
	state, plan := deployedFunction(), deployedFunction()
	state.SourceHash = types.StringValue(codeChangedOutside + otherSHA)
	if got := diffFunction(&plan, &state); got != (functionChanges{code: true}) {
		t.Errorf("diffFunction = %+v, want a code change only", got)
	}
}
