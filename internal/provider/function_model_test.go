// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// Unit tests of the model: the API-to-model conversion of both dialects, the
// default-collapsing rule of the config block, the drift marker and the
// effective configuration.

const (
	testSourceHash = "sha256:5ce1b0c4"
	deployedSHA    = "1111111111111111111111111111111111111111111111111111111111111111"
	otherSHA       = "2222222222222222222222222222222222222222222222222222222222222222"
)

// plannedFunction is the plan of a create with every optional setting left
// out: what applyFunction meets in Create.
func plannedFunction() functionModel {
	return functionModel{
		ID:              types.StringUnknown(),
		Name:            types.StringValue("fn"),
		Runtime:         types.StringValue("python3.11"),
		Template:        types.StringValue(defaultTemplate),
		CodeInline:      types.StringValue("def handle(event, context):\n    return 1\n"),
		CodePath:        types.StringNull(),
		CodeArchive:     types.StringNull(),
		CodeExcludes:    types.ListNull(types.StringType),
		SourceHash:      types.StringValue(testSourceHash),
		HandlerFunction: types.StringValue(defaultHandler),
		Requirements:    types.StringNull(),
		Config:          emptyConfigList(),
		Environment:     mapValue(nil),
		Secrets:         listValue(nil),
		Labels:          mapValue(nil),
		Annotations:     mapValue(nil),
		Namespace:       types.StringUnknown(),
		InvokeURL:       types.StringUnknown(),
		Status:          types.StringUnknown(),
		Version:         types.StringUnknown(),
		CodeSHA256:      types.StringUnknown(),
		InvocationCount: types.Int64Unknown(),
		CreatedAt:       types.StringUnknown(),
		UpdatedAt:       types.StringUnknown(),
	}
}

// deployedFunction is the state of that function once Running (faas-v1).
func deployedFunction() functionModel {
	m := plannedFunction()
	m.ID = types.StringValue("0b6a5b8e-7f4e-4c8a-9d55-2f1c7b0e9a11")
	m.Namespace = types.StringValue("e2e-faas-local-dl")
	m.InvokeURL = types.StringValue("http://127.0.0.1/faas/function/v1/fn.e2e-faas-local-dl/")
	m.Status = types.StringValue(faas.StatusRunning)
	m.Version = types.StringValue("v1")
	m.CodeSHA256 = types.StringValue(deployedSHA)
	m.InvocationCount = types.Int64Value(0)
	m.CreatedAt = types.StringValue("2026-01-15T10:30:00Z")
	m.UpdatedAt = types.StringValue("2026-01-15T10:30:00Z")
	return m
}

// apiFunction is the full faas-v1 object of that function.
func apiFunction() *faas.Function {
	cfg := defaultConfig
	return &faas.Function{
		ID: "0b6a5b8e-7f4e-4c8a-9d55-2f1c7b0e9a11", Name: "fn", Namespace: "e2e-faas-local-dl",
		Runtime: "python3.11", Template: "http", HandlerFunction: "handle", Config: &cfg,
		InvokeURL: "http://127.0.0.1/faas/function/v1/fn.e2e-faas-local-dl/", Status: faas.StatusRunning,
		Version: "v1", CodeSHA256: deployedSHA, CreatedAt: "2026-01-15T10:30:00Z", UpdatedAt: "2026-01-15T10:30:00Z",
	}
}

// configBlock is a config block whose attributes are null but for set.
func configBlock(set map[string]attr.Value) types.List {
	attrs := map[string]attr.Value{
		"memory_mb": wholeNumberNull(), "timeout_seconds": wholeNumberNull(), "replicas": wholeNumberNull(),
		"hardware_type": types.StringNull(), "min_scale": wholeNumberNull(), "max_scale": wholeNumberNull(),
	}
	for k, v := range set {
		if n, ok := v.(types.Int64); ok {
			v = wholeNumber{Int64Value: n}
		}
		attrs[k] = v
	}
	return types.ListValueMust(configObjectType, []attr.Value{types.ObjectValueMust(configAttrTypes, attrs)})
}

func withConfig(edit func(*faas.FunctionConfig)) faas.FunctionConfig {
	cfg := defaultConfig
	edit(&cfg)
	return cfg
}

// expectValue fails when an attribute of the model is not want.
func expectValue(t *testing.T, attribute string, got, want attr.Value) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", attribute, got, want)
	}
}

// The full faas-v1 object: every attribute from the API, the platform's
// labels left out, the code's source untouched.
func TestApplyFunction_faasV1(t *testing.T) {
	m := plannedFunction()
	f := apiFunction()
	f.Environment = map[string]string{"LOG_LEVEL": "INFO"}
	f.Secrets = []string{"db-password"}
	f.Labels = map[string]string{"team": "a", "com.openfaas.scale.min": "1"}
	f.Annotations = map[string]string{"com.openfaas.health": "x"}
	f.InvocationCount = 7
	m.applyFunction(f)

	expectValue(t, "id", m.ID, types.StringValue(f.ID))
	expectValue(t, "name", m.Name, types.StringValue("fn"))
	expectValue(t, "namespace", m.Namespace, types.StringValue("e2e-faas-local-dl"))
	expectValue(t, "status", m.Status, types.StringValue(faas.StatusRunning))
	expectValue(t, "runtime", m.Runtime, types.StringValue("python3.11"))
	expectValue(t, "template", m.Template, types.StringValue("http"))
	expectValue(t, "handler_function", m.HandlerFunction, types.StringValue("handle"))
	expectValue(t, "requirements", m.Requirements, types.StringNull())
	expectValue(t, "config", m.Config, emptyConfigList())
	expectValue(t, "environment", m.Environment, mapValue(map[string]string{"LOG_LEVEL": "INFO"}))
	expectValue(t, "secrets", m.Secrets, listValue([]string{"db-password"}))
	expectValue(t, "labels", m.Labels, mapValue(map[string]string{"team": "a"}))
	expectValue(t, "annotations", m.Annotations, mapValue(nil))
	expectValue(t, "invoke_url", m.InvokeURL, types.StringValue(f.InvokeURL))
	expectValue(t, "version", m.Version, types.StringValue("v1"))
	expectValue(t, "code_sha256", m.CodeSHA256, types.StringValue(deployedSHA))
	expectValue(t, "invocation_count", m.InvocationCount, types.Int64Value(7))
	expectValue(t, "created_at", m.CreatedAt, types.StringValue(f.CreatedAt))
	expectValue(t, "updated_at", m.UpdatedAt, types.StringValue(f.UpdatedAt))
	// The code's source is the user's.
	expectValue(t, "code_inline", m.CodeInline, plannedFunction().CodeInline)
	expectValue(t, "source_hash", m.SourceHash, types.StringValue(testSourceHash))
}

// The short answer to a create carries the ID and status only: the rest of
// the plan stays for the next read to fill.
func TestApplyFunction_shortCreateAnswer(t *testing.T) {
	m := plannedFunction()
	m.Environment = mapValue(map[string]string{"A": "1"})
	m.applyFunction(&faas.Function{ID: "id-1", Name: "fn", Namespace: "ns", Status: faas.StatusDeploying, CreatedAt: "2026-01-15T10:30:00Z"})
	expectValue(t, "id", m.ID, types.StringValue("id-1"))
	expectValue(t, "namespace", m.Namespace, types.StringValue("ns"))
	expectValue(t, "status", m.Status, types.StringValue(faas.StatusDeploying))
	expectValue(t, "created_at", m.CreatedAt, types.StringValue("2026-01-15T10:30:00Z"))
	expectValue(t, "environment", m.Environment, mapValue(map[string]string{"A": "1"}))
	expectValue(t, "version", m.Version, types.StringUnknown())
	expectValue(t, "config", m.Config, emptyConfigList())
}

// The config block stays as the configuration wrote it: absent while the
// API runs the defaults, present as soon as it runs anything else, and
// present when written out even with the default values.
func TestApplyFunction_configDefaultsCollapse(t *testing.T) {
	written := configBlock(map[string]attr.Value{"hardware_type": types.StringValue("cpu")})
	for _, tc := range []struct {
		name    string
		planned types.List
		runs    faas.FunctionConfig
		want    types.List
	}{
		{"absent block, defaults", emptyConfigList(), defaultConfig, emptyConfigList()},
		{"null block, defaults", types.ListNull(configObjectType), defaultConfig, emptyConfigList()},
		{"unknown block, defaults", types.ListUnknown(configObjectType), defaultConfig, emptyConfigList()},
		{
			"absent block, memory changed outside", emptyConfigList(),
			withConfig(func(c *faas.FunctionConfig) { c.MemoryMB = 2048 }),
			configList(ptr(withConfig(func(c *faas.FunctionConfig) { c.MemoryMB = 2048 }))),
		},
		{"written block, defaults", written, defaultConfig, configList(&defaultConfig)},
		{
			"written block, other values", written,
			withConfig(func(c *faas.FunctionConfig) { c.Replicas, c.MaxScale = 3, 10 }),
			configList(ptr(withConfig(func(c *faas.FunctionConfig) { c.Replicas, c.MaxScale = 3, 10 }))),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := plannedFunction()
			m.Config = tc.planned
			f := apiFunction()
			f.Config = &tc.runs
			m.applyFunction(f)
			expectValue(t, "config", m.Config, tc.want)
		})
	}
}

// The drift marker: code_sha256 other than the one this provider deployed
// marks source_hash, so the next plan updates the code; nothing is marked on
// the first answer, nor in a plan whose source_hash is still unknown.
func TestApplyFunction_driftMarker(t *testing.T) {
	for _, tc := range []struct {
		name       string
		known      types.String // code_sha256 before
		sourceHash types.String // source_hash before
		reported   string
		want       types.String // source_hash after
	}{
		{"same code", types.StringValue(deployedSHA), types.StringValue(testSourceHash), deployedSHA, types.StringValue(testSourceHash)},
		{"code changed outside", types.StringValue(deployedSHA), types.StringValue(testSourceHash), otherSHA, types.StringValue(codeChangedOutside + otherSHA)},
		{"first answer", types.StringUnknown(), types.StringValue(testSourceHash), otherSHA, types.StringValue(testSourceHash)},
		{"imported: nothing deployed yet", types.StringNull(), types.StringNull(), otherSHA, types.StringNull()},
		{"source_hash unknown", types.StringValue(deployedSHA), types.StringUnknown(), otherSHA, types.StringUnknown()},
		{"no hash reported", types.StringValue(deployedSHA), types.StringValue(testSourceHash), "", types.StringValue(testSourceHash)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := deployedFunction()
			m.CodeSHA256, m.SourceHash = tc.known, tc.sourceHash
			f := apiFunction()
			f.CodeSHA256 = tc.reported
			m.applyFunction(f)
			expectValue(t, "source_hash", m.SourceHash, tc.want)
			if tc.reported != "" {
				expectValue(t, "code_sha256", m.CodeSHA256, types.StringValue(tc.reported))
			}
		})
	}
}

// A partial answer (myaccount) changes what it carries and keeps the rest;
// what the dialect never returns is null, and what it has no field for is
// the default.
func TestApplyFunction_partialAnswers(t *testing.T) {
	// myState is a MyAccount function's state: config memory 256 and
	// timeout 60, one environment variable, code deployed as deployedSHA.
	myState := func() functionModel {
		m := deployedFunction()
		m.ID, m.Runtime = types.StringValue("fn"), types.StringValue("python3-http-debian")
		m.Namespace, m.Version, m.InvocationCount = types.StringNull(), types.StringNull(), types.Int64Null()
		m.Config = configBlock(map[string]attr.Value{"memory_mb": types.Int64Value(256), "timeout_seconds": types.Int64Value(60)})
		m.Environment = mapValue(map[string]string{"A": "1"})
		return m
	}
	answer := func(fields ...faas.Field) *faas.Function {
		f := &faas.Function{ID: "fn", Name: "fn", Status: faas.StatusRunning, Config: &faas.FunctionConfig{}, Fields: map[faas.Field]bool{}}
		for _, field := range fields {
			f.Fields[field] = true
		}
		return f
	}
	blockOf := func(memory, timeout int64) types.List {
		return configList(ptr(withConfig(func(c *faas.FunctionConfig) { c.MemoryMB, c.TimeoutSeconds = memory, timeout })))
	}
	type partialCase struct {
		name   string
		before func(*functionModel)
		answer func() *faas.Function
		check  func(t *testing.T, m *functionModel)
	}
	// fromCodeFile is a function whose requirements came from its code's
	// file, answered with requirements: requirements stays null and
	// source_hash is sourceHash.
	fromCodeFile := func(name, requirements, sourceHash string) partialCase {
		return partialCase{
			name:   name,
			before: func(m *functionModel) { m.requirementsFromCode = textSHA256("requests==2.32.3\n") },
			answer: func() *faas.Function {
				f := answer(faas.FieldRequirements)
				f.Requirements = requirements
				return f
			},
			check: func(t *testing.T, m *functionModel) {
				expectValue(t, "requirements", m.Requirements, types.StringNull())
				expectValue(t, "source_hash", m.SourceHash, types.StringValue(sourceHash))
			},
		}
	}
	for _, tc := range []partialCase{
		{
			name:   "carries nothing",
			answer: func() *faas.Function { return answer() },
			check: func(t *testing.T, m *functionModel) {
				expectValue(t, "runtime", m.Runtime, types.StringValue("python3-http-debian"))
				expectValue(t, "config", m.Config, blockOf(256, 60))
				expectValue(t, "environment", m.Environment, mapValue(map[string]string{"A": "1"}))
				expectValue(t, "code_sha256", m.CodeSHA256, types.StringValue(deployedSHA))
				expectValue(t, "source_hash", m.SourceHash, types.StringValue(testSourceHash))
				expectValue(t, "invoke_url", m.InvokeURL, deployedFunction().InvokeURL)
				expectValue(t, "namespace", m.Namespace, types.StringNull())
				expectValue(t, "version", m.Version, types.StringNull())
				expectValue(t, "invocation_count", m.InvocationCount, types.Int64Null())
			},
		},
		{
			name: "carries memory only",
			answer: func() *faas.Function {
				f := answer(faas.FieldMemory)
				f.Config.MemoryMB, f.Config.TimeoutSeconds = 512, 5
				return f
			},
			check: func(t *testing.T, m *functionModel) { expectValue(t, "config", m.Config, blockOf(512, 60)) },
		},
		{
			name: "carries memory, timeout and environment",
			answer: func() *faas.Function {
				f := answer(faas.FieldMemory, faas.FieldTimeout, faas.FieldEnvironment, faas.FieldSecrets)
				f.Config.MemoryMB, f.Config.TimeoutSeconds = 256, 30
				f.Environment = map[string]string{"B": "2"}
				return f
			},
			check: func(t *testing.T, m *functionModel) {
				expectValue(t, "config", m.Config, blockOf(256, 30))
				expectValue(t, "environment", m.Environment, mapValue(map[string]string{"B": "2"}))
				expectValue(t, "secrets", m.Secrets, listValue(nil))
			},
		},
		{
			name:   "defaults with the block left out stay absent",
			before: func(m *functionModel) { m.Config = emptyConfigList() },
			answer: func() *faas.Function {
				f := answer(faas.FieldMemory, faas.FieldTimeout, faas.FieldHardware)
				f.Config.MemoryMB, f.Config.TimeoutSeconds, f.Config.HardwareType = 128, 30, "cpu"
				return f
			},
			check: func(t *testing.T, m *functionModel) { expectValue(t, "config", m.Config, emptyConfigList()) },
		},
		{
			name: "code changed outside",
			answer: func() *faas.Function {
				f := answer(faas.FieldCode, faas.FieldRuntime)
				f.Runtime, f.Code, f.CodeSHA256 = "python3-http-debian", "changed", otherSHA
				return f
			},
			check: func(t *testing.T, m *functionModel) {
				expectValue(t, "source_hash", m.SourceHash, types.StringValue(codeChangedOutside+otherSHA))
				expectValue(t, "code_sha256", m.CodeSHA256, types.StringValue(otherSHA))
			},
		},
		fromCodeFile("requirements from the code's file, unchanged", "requests==2.32.3\n", testSourceHash),
		fromCodeFile("requirements from the code's file, changed outside", "requests==1.0\n", codeChangedOutside+"requirements"),
		{
			name: "requirements attribute",
			answer: func() *faas.Function {
				f := answer(faas.FieldRequirements)
				f.Requirements = "flask\n"
				return f
			},
			check: func(t *testing.T, m *functionModel) {
				expectValue(t, "requirements", m.Requirements, types.StringValue("flask\n"))
			},
		},
		{
			name: "import: settings it has no field for take their defaults",
			before: func(m *functionModel) {
				*m = functionModel{
					ID: types.StringValue("fn"), Template: types.StringNull(), HandlerFunction: types.StringNull(),
					Labels: types.MapNull(types.StringType), Annotations: types.MapNull(types.StringType),
					Environment: types.MapNull(types.StringType), Secrets: types.ListNull(types.StringType),
					Config: types.ListNull(configObjectType),
				}
			},
			answer: func() *faas.Function {
				f := answer(faas.FieldRuntime, faas.FieldMemory, faas.FieldTimeout, faas.FieldHardware)
				f.Runtime = "python3-http-debian"
				f.Config.MemoryMB, f.Config.TimeoutSeconds, f.Config.HardwareType = 256, 30, "cpu"
				return f
			},
			check: func(t *testing.T, m *functionModel) {
				expectValue(t, "name", m.Name, types.StringValue("fn"))
				expectValue(t, "runtime", m.Runtime, types.StringValue("python3-http-debian"))
				expectValue(t, "template", m.Template, types.StringValue(defaultTemplate))
				expectValue(t, "handler_function", m.HandlerFunction, types.StringValue(defaultHandler))
				expectValue(t, "labels", m.Labels, mapValue(nil))
				expectValue(t, "annotations", m.Annotations, mapValue(nil))
				expectValue(t, "environment", m.Environment, mapValue(nil))
				expectValue(t, "secrets", m.Secrets, listValue(nil))
				expectValue(t, "config", m.Config, blockOf(256, 30))
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := myState()
			if tc.before != nil {
				tc.before(&m)
			}
			m.applyFunction(tc.answer())
			expectValue(t, "id", m.ID, types.StringValue("fn"))
			expectValue(t, "status", m.Status, types.StringValue(faas.StatusRunning))
			tc.check(t, &m)
		})
	}
}

// effectiveConfig: the block over the defaults, the defaults without a
// block, nil while anything is unknown.
func TestEffectiveConfig(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config types.List
		want   *faas.FunctionConfig
	}{
		{"null", types.ListNull(configObjectType), &defaultConfig},
		{"no block", emptyConfigList(), &defaultConfig},
		{"unknown list", types.ListUnknown(configObjectType), nil},
		{
			"some values", configBlock(map[string]attr.Value{"memory_mb": types.Int64Value(512), "hardware_type": types.StringValue("gpu")}),
			ptr(withConfig(func(c *faas.FunctionConfig) { c.MemoryMB, c.HardwareType = 512, "gpu" })),
		},
		{"every value", configList(ptr(withConfig(func(c *faas.FunctionConfig) { c.MinScale = 0 }))), ptr(withConfig(func(c *faas.FunctionConfig) { c.MinScale = 0 }))},
		{"an unknown number", configBlock(map[string]attr.Value{"replicas": types.Int64Unknown()}), nil},
		{"an unknown hardware", configBlock(map[string]attr.Value{"hardware_type": types.StringUnknown()}), nil},
		{"an unknown block", types.ListValueMust(configObjectType, []attr.Value{types.ObjectUnknown(configAttrTypes)}), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := functionModel{Config: tc.config}
			got := m.effectiveConfig()
			switch {
			case tc.want == nil && got != nil:
				t.Errorf("effectiveConfig() = %+v, want nil (unknown)", *got)
			case tc.want != nil && (got == nil || *got != *tc.want):
				t.Errorf("effectiveConfig() = %+v, want %+v", got, *tc.want)
			}
		})
	}
}

// settle leaves nothing unknown in a state written after a failed apply.
func TestSettle(t *testing.T) {
	m := plannedFunction()
	m.Config, m.Environment, m.Secrets = types.ListUnknown(configObjectType), types.MapUnknown(types.StringType), types.ListUnknown(types.StringType)
	m.settle()
	expectValue(t, "id", m.ID, types.StringNull())
	expectValue(t, "status", m.Status, types.StringNull())
	expectValue(t, "invocation_count", m.InvocationCount, types.Int64Null())
	expectValue(t, "config", m.Config, emptyConfigList())
	expectValue(t, "environment", m.Environment, mapValue(nil))
	expectValue(t, "secrets", m.Secrets, listValue(nil))
	expectValue(t, "source_hash", m.SourceHash, types.StringValue(testSourceHash))
}

func ptr[T any](v T) *T { return &v }

// wholeNumberNull is a null whole number.
func wholeNumberNull() wholeNumber { return wholeNumber{Int64Value: basetypes.NewInt64Null()} }
