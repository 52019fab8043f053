// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

var (
	_ datasource.DataSource                     = (*functionDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*functionDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*functionDataSource)(nil)
)

// NewFunctionDataSource is the constructor of data.e2e_faas_function.
func NewFunctionDataSource() datasource.DataSource { return &functionDataSource{} }

type functionDataSource struct {
	data *providerData
}

// functionInfoModel is a function as data sources expose it: everything the
// API reports, nothing of the code's source. data.e2e_faas_functions holds a
// list of them; the framework derives the object type from the tfsdk tags.
type functionInfoModel struct {
	ID              types.String         `tfsdk:"id"`
	Name            types.String         `tfsdk:"name"`
	Namespace       types.String         `tfsdk:"namespace"`
	Runtime         types.String         `tfsdk:"runtime"`
	Template        types.String         `tfsdk:"template"`
	HandlerFunction types.String         `tfsdk:"handler_function"`
	Requirements    types.String         `tfsdk:"requirements"`
	Config          *functionConfigModel `tfsdk:"config"`
	Environment     types.Map            `tfsdk:"environment"`
	Secrets         types.List           `tfsdk:"secrets"`
	Labels          types.Map            `tfsdk:"labels"`
	Annotations     types.Map            `tfsdk:"annotations"`
	InvokeURL       types.String         `tfsdk:"invoke_url"`
	Status          types.String         `tfsdk:"status"`
	ErrorMessage    types.String         `tfsdk:"error_message"`
	Version         types.String         `tfsdk:"version"`
	CodeSHA256      types.String         `tfsdk:"code_sha256"`
	InvocationCount types.Int64          `tfsdk:"invocation_count"`
	CreatedAt       types.String         `tfsdk:"created_at"`
	UpdatedAt       types.String         `tfsdk:"updated_at"`
}

func functionInfo(f *faas.Function) functionInfoModel {
	var cfg *functionConfigModel
	if c := f.Config; c != nil {
		cfg = &functionConfigModel{
			MemoryMB:       types.Int64Value(c.MemoryMB),
			TimeoutSeconds: types.Int64Value(c.TimeoutSeconds),
			Replicas:       types.Int64Value(c.Replicas),
			HardwareType:   types.StringValue(c.HardwareType),
			MinScale:       types.Int64Value(c.MinScale),
			MaxScale:       types.Int64Value(c.MaxScale),
		}
	}
	return functionInfoModel{
		ID: types.StringValue(f.ID), Name: types.StringValue(f.Name), Namespace: types.StringValue(f.Namespace),
		Runtime: types.StringValue(f.Runtime), Template: types.StringValue(f.Template),
		HandlerFunction: types.StringValue(f.HandlerFunction), Requirements: types.StringValue(f.Requirements),
		Config: cfg, Environment: mapValue(f.Environment), Secrets: listValue(f.Secrets),
		Labels: mapValue(userMetadata(f.Labels)), Annotations: mapValue(userMetadata(f.Annotations)),
		InvokeURL: types.StringValue(f.InvokeURL), Status: types.StringValue(f.Status),
		ErrorMessage: types.StringValue(f.ErrorMessage), Version: types.StringValue(f.Version),
		CodeSHA256: types.StringValue(f.CodeSHA256), InvocationCount: types.Int64Value(f.InvocationCount),
		CreatedAt: types.StringValue(f.CreatedAt), UpdatedAt: types.StringValue(f.UpdatedAt),
	}
}

// partialFunctionInfo is functionInfo for an answer that carries only some
// fields (myaccount): what it does not carry, or the dialect never has, is
// null rather than a made-up empty value.
func partialFunctionInfo(f *faas.Function) functionInfoModel {
	m := functionInfo(f)
	str := func(field faas.Field, v string) types.String {
		if !f.Carries(field) {
			return types.StringNull()
		}
		return types.StringValue(v)
	}
	nullUnanswered(f.Carries, &m.Namespace, &m.Version, &m.InvocationCount)
	m.Template, m.HandlerFunction = types.StringNull(), types.StringNull()
	m.Labels, m.Annotations = types.MapNull(types.StringType), types.MapNull(types.StringType)
	m.Runtime = str(faas.FieldRuntime, f.Runtime)
	m.Requirements = str(faas.FieldRequirements, f.Requirements)
	m.InvokeURL = str(faas.FieldInvokeURL, f.InvokeURL)
	m.CodeSHA256 = str(faas.FieldCode, f.CodeSHA256)
	m.ErrorMessage = optionalString(f.ErrorMessage)
	m.CreatedAt, m.UpdatedAt = optionalString(f.CreatedAt), optionalString(f.UpdatedAt)
	if !f.Carries(faas.FieldEnvironment) {
		m.Environment = types.MapNull(types.StringType)
	}
	if !f.Carries(faas.FieldSecrets) {
		m.Secrets = types.ListNull(types.StringType)
	}
	if f.Config != nil {
		int64Of := func(field faas.Field, v int64) types.Int64 {
			if !f.Carries(field) {
				return types.Int64Null()
			}
			return types.Int64Value(v)
		}
		m.Config = &functionConfigModel{
			MemoryMB:       int64Of(faas.FieldMemory, f.Config.MemoryMB),
			TimeoutSeconds: int64Of(faas.FieldTimeout, f.Config.TimeoutSeconds),
			Replicas:       types.Int64Null(),
			HardwareType:   str(faas.FieldHardware, f.Config.HardwareType),
			MinScale:       types.Int64Null(),
			MaxScale:       types.Int64Null(),
		}
	}
	return m
}

// describeFunction is the data sources' view of a function in either dialect.
func describeFunction(f *faas.Function) functionInfoModel {
	if f.Fields != nil {
		return partialFunctionInfo(f)
	}
	return functionInfo(f)
}

// functionInfoAttributes describes the computed attributes of a function for
// both data sources; the lookup keys (id, name, namespace) are added by the
// caller.
func functionInfoAttributes() map[string]schema.Attribute {
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	strMap := func(desc string, sensitive bool) schema.Attribute {
		return schema.MapAttribute{Computed: true, ElementType: types.StringType, Sensitive: sensitive, MarkdownDescription: desc}
	}
	return map[string]schema.Attribute{
		"id":               str("Function ID: the name under the `myaccount` API, a UUID under `faas-v1`."),
		"name":             str("Function name."),
		"namespace":        str("Namespace (`faas-v1`; null under `myaccount`, which has no namespaces)."),
		"runtime":          str("Runtime."),
		"template":         str("Template (`faas-v1`; under `myaccount` the runtime decides)."),
		"handler_function": str("Entry point function name (`faas-v1`; under `myaccount` the runtime decides)."),
		"requirements":     str("Requirements as uploaded (empty when none)."),
		"config": schema.SingleNestedAttribute{
			Computed:            true,
			MarkdownDescription: "Resources and scaling.",
			Attributes: map[string]schema.Attribute{
				"memory_mb": schema.Int64Attribute{Computed: true, MarkdownDescription: fmt.Sprintf("Memory in MB (%s under `myaccount`, %s under `faas-v1`).",
					memoryText(myAccountCapabilities), memoryText(faasV1Capabilities))},
				"timeout_seconds": schema.Int64Attribute{Computed: true, MarkdownDescription: fmt.Sprintf("Execution timeout in seconds (%s under `myaccount`, %s under `faas-v1`).",
					timeoutText(myAccountCapabilities), timeoutText(faasV1Capabilities))},
				"replicas":      schema.Int64Attribute{Computed: true, MarkdownDescription: "Replicas (`faas-v1`; the default under `myaccount`, where the platform scales)."},
				"hardware_type": schema.StringAttribute{Computed: true, MarkdownDescription: "`cpu` or `gpu` (under `myaccount`, the runtime's node type)."},
				"min_scale":     schema.Int64Attribute{Computed: true, MarkdownDescription: "Minimum scale (`faas-v1`; the default under `myaccount`)."},
				"max_scale":     schema.Int64Attribute{Computed: true, MarkdownDescription: "Maximum scale (`faas-v1`; the default under `myaccount`)."},
			},
		},
		"environment":      strMap("Environment variables (sensitive).", true),
		"secrets":          schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Names of the bound secrets."},
		"labels":           strMap("Labels (without the platform's `com.openfaas.*`; `faas-v1` only, empty under `myaccount`).", false),
		"annotations":      strMap("Annotations (without the platform's `com.openfaas.*`; `faas-v1` only, empty under `myaccount`).", false),
		"invoke_url":       str("URL that invokes the function."),
		"status":           str("`Deploying`, `Running`, `Failed` or `Deleting`."),
		"error_message":    str("Why the last deploy failed, when `status` is `Failed`."),
		"version":          str("Deployed version (`faas-v1`; null under `myaccount`)."),
		"code_sha256":      str("Hex SHA-256 of the deployed code: the archive (`faas-v1`) or the handler's text (`myaccount`)."),
		"invocation_count": schema.Int64Attribute{Computed: true, MarkdownDescription: "Total invocations so far (`faas-v1`; null under `myaccount`)."},
		"created_at":       str("Creation time (RFC 3339, UTC)."),
		"updated_at":       str("Time of the last change (RFC 3339, UTC)."),
	}
}

func (d *functionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_faas_function"
}

func (d *functionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := functionInfoAttributes()
	attrs["id"] = schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "ID of the function to look up: its name under the `myaccount` API, a UUID under `faas-v1`. Exactly one of `id` and `name` is required."}
	attrs["name"] = schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Name of the function to look up.",
		Validators: functionNameValidators()}
	attrs["namespace"] = schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "With `name`: the namespace to look in, when a name is not unique (`faas-v1`; null under `myaccount`, which has no namespaces)."}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up one existing function, managed by Terraform or not, by `id` or by `name` (and `namespace`).",
		Attributes:          attrs,
	}
}

func (d *functionDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
		datasourcevalidator.Conflicting(path.MatchRoot("id"), path.MatchRoot("namespace")),
	}
}

func (d *functionDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *functionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m functionInfoModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var (
		f   *faas.Function
		err error
	)
	if id := m.ID.ValueString(); id != "" {
		f, err = d.data.client.GetFunction(ctx, id)
	} else {
		f, err = d.data.client.FindFunction(ctx, m.Name.ValueString(), m.Namespace.ValueString())
		if err == nil {
			// The list may carry less than GET does.
			f, err = d.data.client.GetFunction(ctx, f.ID)
		}
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not find the function", err, "")
		return
	}
	info := describeFunction(f)
	resp.Diagnostics.Append(resp.State.Set(ctx, &info)...)
}
