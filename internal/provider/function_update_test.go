// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// Unit tests of Update, called directly (as terraform-provider-time does)
// with a fake API: which steps call the API for which change, and what a
// failing step leaves in state. The acceptance tests prove the same against
// the local server; these name the step that breaks.

// fakeAPI answers an Update's calls from the one function it holds, and
// records them. failOn names a call that fails. A call it does not implement
// panics on the embedded nil API.
type fakeAPI struct {
	faas.API
	caps   faas.Capabilities
	fn     faas.Function
	calls  []string
	failOn string
}

func (a *fakeAPI) Capabilities() faas.Capabilities { return a.caps }

// answer records the call, applies its change to the function and answers
// with it (or fails).
func (a *fakeAPI) answer(call string, change func(*faas.Function)) (*faas.Function, error) {
	a.calls = append(a.calls, call)
	if call == a.failOn {
		if call == "wait" {
			a.fn.Status, a.fn.ErrorMessage = faas.StatusFailed, "image pull failed"
			f := a.fn
			return &f, &faas.FailedError{Function: &f}
		}
		return nil, &faas.APIError{StatusCode: 400, Message: call + " refused"}
	}
	if change != nil {
		change(&a.fn)
	}
	f := a.fn
	return &f, nil
}

func (a *fakeAPI) UpdateFunctionCode(_ context.Context, _ string, req *faas.CodeUpdate) (*faas.Function, error) {
	return a.answer("code", func(f *faas.Function) { f.CodeSHA256, f.Requirements, f.Version = otherSHA, req.Requirements, "v2" })
}

func (a *fakeAPI) UpdateFunctionConfig(_ context.Context, _ string, cfg *faas.FunctionConfig) (*faas.Function, error) {
	return a.answer("config", func(f *faas.Function) { f.Config, f.Version = cfg, "v2" })
}

func (a *fakeAPI) UpdateFunctionEnvironment(_ context.Context, _ string, req *faas.EnvironmentUpdate) (*faas.Function, error) {
	return a.answer("environment", func(f *faas.Function) { f.Environment, f.Secrets, f.Version = req.Environment, req.Secrets, "v2" })
}

func (a *fakeAPI) UpdateFunctionMetadata(_ context.Context, _ string, req *faas.MetadataUpdate) (*faas.Function, error) {
	return a.answer("metadata", func(f *faas.Function) { f.Labels, f.Annotations = req.Labels, req.Annotations })
}

func (a *fakeAPI) DeployFunction(context.Context, string) (*faas.Function, error) {
	return a.answer("deploy", func(f *faas.Function) { f.Status, f.ErrorMessage = faas.StatusDeploying, "" })
}

func (a *fakeAPI) UpdateFunction(_ context.Context, _ string, req *faas.UpdateFunctionRequest) (*faas.Function, error) {
	return a.answer("update", func(f *faas.Function) {
		f.Config, f.Environment, f.CodeSHA256 = req.Config, req.Environment, textSHA256(req.CodeText)
	})
}

func (a *fakeAPI) WaitForDeploy(context.Context, string, faas.Poll) (*faas.Function, error) {
	return a.answer("wait", func(f *faas.Function) { f.Status = faas.StatusRunning })
}

func (a *fakeAPI) GetFunction(context.Context, string) (*faas.Function, error) {
	return a.answer("get", nil)
}

func (a *fakeAPI) ListRuntimes(context.Context) ([]faas.Runtime, error) {
	return []faas.Runtime{{Name: "python3-http-debian", Hardware: []string{"cpu"}, RequirementsFile: "requirements.txt"}}, nil
}

// runUpdate calls Update as the framework does, with the plan and state
// given, and returns the state it writes.
func runUpdate(t *testing.T, api faas.API, state, plan functionModel) (functionModel, diag.Diagnostics) {
	t.Helper()
	ctx := context.Background()
	r := &functionResource{data: &providerData{client: api}}
	var schemaResp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	s := schemaResp.Schema
	noTimeouts := types.ObjectNull(map[string]attr.Type{"create": types.StringType, "update": types.StringType, "delete": types.StringType})
	state.Timeouts.Object, plan.Timeouts.Object = noTimeouts, noTimeouts

	req := resource.UpdateRequest{Plan: tfsdk.Plan{Schema: s}, State: tfsdk.State{Schema: s}}
	if diags := req.Plan.Set(ctx, &plan); diags.HasError() {
		t.Fatal(diags)
	}
	if diags := req.State.Set(ctx, &state); diags.HasError() {
		t.Fatal(diags)
	}
	// The framework starts the response from the plan, with the private
	// state of the request (a type of its own internal package).
	resp := resource.UpdateResponse{State: tfsdk.State{Schema: s, Raw: req.Plan.Raw}}
	private := reflect.ValueOf(&resp.Private).Elem()
	private.Set(reflect.New(private.Type().Elem()))

	r.Update(ctx, req, &resp)
	var got functionModel
	if diags := resp.State.Get(ctx, &got); diags.HasError() {
		t.Fatal(diags)
	}
	return got, resp.Diagnostics
}

// The faas-v1 update: one endpoint per changed group, in order, then one
// wait when something redeploys; a failing step keeps the prior state,
// refreshed with what the API said last.
func TestUpdate_faasV1Groups(t *testing.T) {
	memory256 := configBlock(map[string]attr.Value{"memory_mb": types.Int64Value(256)})
	for _, tc := range []updateCase{
		{
			name:  "labels: the metadata endpoint alone, no redeploy",
			plan:  func(m *functionModel) { m.Labels = mapValue(map[string]string{"team": "b"}) },
			calls: []string{"metadata"},
			checkOn: func(t *testing.T, got functionModel) {
				expectValue(t, "labels", got.Labels, mapValue(map[string]string{"team": "b"}))
				expectValue(t, "version", got.Version, types.StringValue("v1"))
			},
		},
		{
			name:  "memory: config, then the wait",
			plan:  func(m *functionModel) { m.Config = memory256 },
			calls: []string{"config", "wait"},
			checkOn: func(t *testing.T, got functionModel) {
				expectValue(t, "config", got.Config, configList(ptr(withConfig(func(c *faas.FunctionConfig) { c.MemoryMB = 256 }))))
			},
		},
		{
			name: "code, environment and labels: each endpoint in order, one wait",
			plan: func(m *functionModel) {
				m.CodeInline, m.SourceHash = types.StringValue("def handle(e, c):\n    return 2\n"), types.StringUnknown()
				m.CodeSHA256 = types.StringUnknown() // as ModifyPlan plans a code change
				m.Environment = mapValue(map[string]string{"A": "1"})
				m.Labels = mapValue(map[string]string{"team": "b"})
			},
			calls: []string{"code", "environment", "metadata", "wait"},
			checkOn: func(t *testing.T, got functionModel) {
				expectValue(t, "code_sha256", got.CodeSHA256, types.StringValue(otherSHA))
				expectValue(t, "environment", got.Environment, mapValue(map[string]string{"A": "1"}))
				expectValue(t, "status", got.Status, types.StringValue(faas.StatusRunning))
				if !strings.HasPrefix(got.SourceHash.ValueString(), "sha256:") {
					t.Errorf("source_hash = %s, want the code's", got.SourceHash)
				}
			},
		},
		{
			name:  "a Failed function with nothing else to change: redeployed",
			state: func(m *functionModel) { m.Status = types.StringValue(faas.StatusFailed) },
			calls: []string{"deploy", "wait"},
			checkOn: func(t *testing.T, got functionModel) {
				expectValue(t, "status", got.Status, types.StringValue(faas.StatusRunning))
			},
		},
		{
			name:  "a Failed function whose config changes: the config redeploys it",
			state: func(m *functionModel) { m.Status = types.StringValue(faas.StatusFailed) },
			plan:  func(m *functionModel) { m.Config = memory256 },
			calls: []string{"config", "wait"},
		},
		{
			name:  "nothing to change: read the function",
			calls: []string{"get"},
		},
		{
			name:   "a refused config: nothing else is tried, the state stays",
			plan:   func(m *functionModel) { m.Config = memory256; m.Labels = mapValue(map[string]string{"team": "b"}) },
			failOn: "config",
			calls:  []string{"config"},
			error:  "Could not update the function's config",
			checkOn: func(t *testing.T, got functionModel) {
				expectValue(t, "config", got.Config, emptyConfigList())
				expectValue(t, "labels", got.Labels, mapValue(nil))
			},
		},
		{
			name: "a refused environment after the code: the state has the new code, not the environment",
			plan: func(m *functionModel) {
				m.CodeInline, m.SourceHash = types.StringValue("def handle(e, c):\n    return 2\n"), types.StringUnknown()
				m.CodeSHA256 = types.StringUnknown() // as ModifyPlan plans a code change
				m.Environment = mapValue(map[string]string{"A": "1"})
			},
			failOn: "environment",
			calls:  []string{"code", "environment"},
			error:  "Could not update the function's environment or secrets",
			checkOn: func(t *testing.T, got functionModel) {
				expectValue(t, "code_sha256", got.CodeSHA256, types.StringValue(otherSHA))
				expectValue(t, "environment", got.Environment, mapValue(nil))
				// The prior code stays the user's, and the deployed code is
				// not the state's: the next plan shows the code change again
				// (and its apply, finding the bytes deployed, skips them).
				expectValue(t, "code_inline", got.CodeInline, deployedFunction().CodeInline)
				expectValue(t, "source_hash", got.SourceHash, types.StringValue(codeChangedOutside+otherSHA))
			},
		},
		{
			name:   "a deploy that fails: the state is the prior one, Failed",
			plan:   func(m *functionModel) { m.Config = memory256 },
			failOn: "wait",
			calls:  []string{"config", "wait"},
			error:  "image pull failed",
			checkOn: func(t *testing.T, got functionModel) {
				expectValue(t, "status", got.Status, types.StringValue(faas.StatusFailed))
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, deployedFunction(), func(plan *functionModel) {
				plan.Status, plan.Version, plan.UpdatedAt = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
			}, func(state functionModel) *fakeAPI {
				api := &fakeAPI{caps: (&faas.Client{}).Capabilities(), fn: *apiFunction()}
				api.fn.Status = state.Status.ValueString()
				return api
			})
		})
	}
}

// The myaccount update: any change that redeploys, or a Failed function,
// is one full update, then the wait.
func TestUpdate_myAccountWhole(t *testing.T) {
	const code = "def handle(event, context):\n    return 1\n"
	myAccountState := func() functionModel {
		m := deployedFunction()
		m.ID, m.Runtime = types.StringValue("fn"), types.StringValue("python3-http-debian")
		m.Namespace, m.Version, m.InvocationCount = types.StringNull(), types.StringNull(), types.Int64Null()
		m.CodeInline, m.CodeSHA256 = types.StringValue(code), types.StringValue(textSHA256(code))
		single, err := packaging.ReadSingleFile(packaging.Source{Inline: code, Runtime: "python3-http-debian", Template: defaultTemplate}, "requirements.txt")
		must(t, err)
		m.SourceHash = types.StringValue(single.SourceHash)
		return m
	}
	for _, tc := range []updateCase{
		{name: "memory and environment: one update", plan: func(m *functionModel) {
			m.Config = configBlock(map[string]attr.Value{"memory_mb": types.Int64Value(256)})
			m.Environment = mapValue(map[string]string{"A": "1"})
		}, calls: []string{"update", "wait"}},
		{name: "a Failed function: one update", state: func(m *functionModel) { m.Status = types.StringValue(faas.StatusFailed) }, calls: []string{"update", "wait"}},
		{name: "nothing to change: read the function", calls: []string{"get"}},
		{name: "a refused update", plan: func(m *functionModel) { m.Environment = mapValue(map[string]string{"A": "1"}) }, failOn: "update", calls: []string{"update"},
			error: "Nothing was changed"},
		{name: "a deploy that fails", plan: func(m *functionModel) { m.Environment = mapValue(map[string]string{"A": "1"}) }, failOn: "wait", calls: []string{"update", "wait"},
			error: "The function's update did not deploy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, got := tc.run(t, myAccountState(), func(plan *functionModel) {
				plan.Status, plan.UpdatedAt = types.StringUnknown(), types.StringUnknown()
			}, func(state functionModel) *fakeAPI {
				cfg := defaultConfig
				return &fakeAPI{caps: (&faas.MyAccountClient{}).Capabilities(), fn: faas.Function{
					ID: "fn", Name: "fn", Status: state.Status.ValueString(), Runtime: "python3-http-debian", Config: &cfg,
					CodeSHA256: textSHA256(code),
					Fields:     map[faas.Field]bool{faas.FieldMemory: true, faas.FieldTimeout: true, faas.FieldEnvironment: true, faas.FieldCode: true},
				}}
			})
			// The code is what was deployed: no drift marker.
			if strings.HasPrefix(got.SourceHash.ValueString(), codeChangedOutside) {
				t.Errorf("source_hash = %s after the provider's own update", got.SourceHash)
			}
			if tc.error == "" {
				expectValue(t, "environment", got.Environment, plan.Environment)
			}
		})
	}
}

// updateCase is one update of a table test: what differs in the state and
// in the plan, the step the fake API fails, the calls it must see, the
// error ("" for none) and what else to check in the new state.
type updateCase struct {
	name    string
	state   func(*functionModel)
	plan    func(*functionModel)
	failOn  string
	calls   []string
	error   string
	checkOn func(t *testing.T, got functionModel)
}

// run updates state, changed as tc says, to a plan of it in which what the
// update will learn is unknown (learned) and tc's changes are made, through
// the API newAPI makes for that state; it checks the calls, the error and
// checkOn, and returns the plan and the new state.
func (tc updateCase) run(t *testing.T, state functionModel, learned func(*functionModel), newAPI func(functionModel) *fakeAPI) (plan, got functionModel) {
	t.Helper()
	if tc.state != nil {
		tc.state(&state)
	}
	plan = state
	learned(&plan)
	if tc.plan != nil {
		tc.plan(&plan)
	}
	api := newAPI(state)
	api.failOn = tc.failOn
	got, diags := runUpdate(t, api, state, plan)
	if !slices.Equal(api.calls, tc.calls) {
		t.Errorf("calls %q, want %q", api.calls, tc.calls)
	}
	expectUpdateError(t, diags, tc.error)
	if tc.checkOn != nil {
		tc.checkOn(t, got)
	}
	return plan, got
}

// expectUpdateError fails unless diags hold exactly one error saying want,
// or none when want is "".
func expectUpdateError(t *testing.T, diags diag.Diagnostics, want string) {
	t.Helper()
	errs := diags.Errors()
	switch {
	case want == "" && len(errs) > 0:
		t.Errorf("unexpected errors: %v", errs)
	case want != "" && (len(errs) != 1 || !strings.Contains(errs[0].Summary()+" "+errs[0].Detail(), want)):
		t.Errorf("errors %v, want one saying %q", errs, want)
	}
}
