// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// alreadyDeployed, the one check by which both the plan and the apply skip
// sending code the API runs: the code's hash and every setting sent with the
// code must be what the state records; under a dialect of one file, the
// requirements are compared as sent, wherever they come from.
func TestFunctionCodeAlreadyDeployed(t *testing.T) {
	const sum, reqs = "ab12", "requests==2.32.3\n"
	model := func(edit func(*functionModel)) *functionModel {
		m := &functionModel{
			CodeSHA256: types.StringValue(sum), HandlerFunction: types.StringValue(defaultHandler),
			Template: types.StringValue(defaultTemplate), Requirements: types.StringNull(),
		}
		if edit != nil {
			edit(m)
		}
		return m
	}
	archive := &functionCode{sha256: sum}
	single := func(fileReqs string) *functionCode {
		return &functionCode{sha256: sum, single: &packaging.SingleFile{Requirements: fileReqs, HasRequirements: fileReqs != ""}}
	}
	for _, tc := range []struct {
		name        string
		code        *functionCode
		plan, state *functionModel
		want        bool
	}{
		{"archive, same hash and settings", archive, model(nil), model(nil), true},
		{"archive, another hash", &functionCode{sha256: "cd34"}, model(nil), model(nil), false},
		{"archive, no hash known", archive, model(nil), model(func(m *functionModel) { m.CodeSHA256 = types.StringUnknown() }), false},
		{"archive, other requirements", archive, model(func(m *functionModel) { m.Requirements = types.StringValue(reqs) }), model(nil), false},
		{"archive, another handler", archive, model(func(m *functionModel) { m.HandlerFunction = types.StringValue("main") }), model(nil), false},
		{"one file, requirements from the file as imported", single(reqs), model(nil),
			model(func(m *functionModel) { m.Requirements = types.StringValue(reqs) }), true},
		{"one file, the imported requirements differ", single("flask\n"), model(nil),
			model(func(m *functionModel) { m.Requirements = types.StringValue(reqs) }), false},
		{"one file, requirements from the file as deployed", single(reqs), model(nil),
			model(func(m *functionModel) { m.requirementsFromCode = textSHA256(reqs) }), true},
		{"one file, the file's requirements changed", single("flask\n"), model(nil),
			model(func(m *functionModel) { m.requirementsFromCode = textSHA256(reqs) }), false},
		{"one file, none on either side", single(""), model(nil), model(nil), true},
		{"one file, new requirements", single(reqs), model(nil), model(nil), false},
		{"one file, the attribute over the file", single("flask\n"), model(func(m *functionModel) { m.Requirements = types.StringValue(reqs) }),
			model(func(m *functionModel) { m.Requirements = types.StringValue(reqs) }), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.code.alreadyDeployed(tc.plan, tc.state); got != tc.want {
				t.Errorf("alreadyDeployed = %v, want %v", got, tc.want)
			}
		})
	}
}
