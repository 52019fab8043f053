// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

var (
	_ list.ListResource              = (*functionListResource)(nil)
	_ list.ListResourceWithConfigure = (*functionListResource)(nil)
)

// NewFunctionListResource is the constructor of the e2e_faas_function list
// resource (Terraform 1.14+, terraform query): the project's functions,
// made with Terraform or not, with their identities and, when asked, the
// resource as an import of it would read it, so that
// `terraform query -generate-config-out` writes configuration that imports
// them.
func NewFunctionListResource() list.ListResource { return &functionListResource{} }

type functionListResource struct {
	data *providerData
}

type functionListModel struct {
	NamePrefix types.String `tfsdk:"name_prefix"`
	Runtime    types.String `tfsdk:"runtime"`
	Labels     types.Map    `tfsdk:"labels"`
}

func (l *functionListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_faas_function"
}

func (l *functionListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the project's functions for `terraform query`, whether Terraform made them or not (all pages). " +
			"Each result carries the function's identity and, with `include_resource = true`, the function as an import would read it. " +
			"`terraform query -generate-config-out=generated.tf` writes an `import` block and a resource block per function. " +
			"Under `myaccount` the API returns the handler's text, so that configuration imports every function with an empty plan " +
			"afterwards as it is. Under `faas-v1` the API cannot return code: add the code source (`code_inline`, `code_path` or " +
			"`code_archive`) whose hash is the function's `code_sha256` to each generated block before applying (Terraform offers no " +
			"way for a provider to write that as a comment in the generated file); the apply then imports without writing to the API. " +
			"In both, `environment` is sensitive, so Terraform generates it as `null`: give a function that has environment variables its " +
			"values before applying, or the apply removes them.",
		Attributes: map[string]schema.Attribute{
			"name_prefix": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only functions whose name starts with this.",
			},
			"runtime": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only functions of this runtime, such as `python3.11` (faas-v1) or `python3-http-debian` (myaccount).",
			},
			"labels": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Only functions that carry every one of these labels with these values. `faas-v1` only: the " +
					"MyAccount API has no labels, and a label filter there fails.",
			},
		},
	}
}

func (l *functionListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (l *functionListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var m functionListModel
	var diags diag.Diagnostics
	diags.Append(req.Config.Get(ctx, &m)...)
	labels, d := stringMap(ctx, m.Labels)
	diags.Append(d...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	if l.data == nil {
		diags.AddError("Provider not configured", "The e2e provider was not configured before the list ran. This is a bug in the provider; please report it.")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	client := l.data.client
	if len(labels) > 0 && !client.Capabilities().LabelFilter {
		addNoLabelFilterError(&diags, "name_prefix or runtime")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	fns, err := client.ListAllFunctions(ctx, faas.ListFunctionsOptions{Labels: labels})
	if err != nil {
		addAPIError(&diags, "Could not list functions", err, "")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	prefix, runtime := m.NamePrefix.ValueString(), m.Runtime.ValueString()
	stream.Results = func(push func(list.ListResult) bool) {
		pushed := int64(0)
		for i := range fns {
			f := &fns[i]
			if !strings.HasPrefix(f.Name, prefix) || (runtime != "" && f.Runtime != runtime) {
				continue
			}
			if req.Limit > 0 && pushed >= req.Limit {
				return
			}
			pushed++
			if !push(l.result(ctx, req, f)) {
				return
			}
		}
	}
}

// result is one listed function: its identity and, when asked, the
// resource as an import of the function reads it.
func (l *functionListResource) result(ctx context.Context, req list.ListRequest, f *faas.Function) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = f.Name
	id := nameIdentityModel{Name: types.StringValue(f.Name), Namespace: types.StringNull()}
	if l.data.client.Capabilities().Namespaces {
		id.Namespace = types.StringValue(f.Namespace)
		result.DisplayName = f.Name + "." + f.Namespace
	}
	result.Diagnostics.Append(result.Identity.Set(ctx, id)...)
	if req.IncludeResource && !result.Diagnostics.HasError() {
		state, diags := l.importedState(ctx, req, f.ID)
		result.Diagnostics.Append(diags...)
		if state != nil {
			result.Resource.Raw = state.Raw
		}
	}
	return result
}

// importedState is the state an import of the function by id would hold:
// the resource's own Read over a state holding only the id, so a listed
// resource is exactly an imported one.
func (l *functionListResource) importedState(ctx context.Context, req list.ListRequest, id string) (*tfsdk.State, diag.Diagnostics) {
	var diags diag.Diagnostics
	state := tfsdk.State{Schema: req.ResourceSchema, Raw: tftypes.NewValue(req.ResourceSchema.Type().TerraformType(ctx), nil)}
	diags.Append(state.SetAttribute(ctx, path.Root("id"), id)...)
	if diags.HasError() {
		return nil, diags
	}
	r := &functionResource{data: l.data}
	readResp := resource.ReadResponse{State: state}
	r.Read(ctx, resource.ReadRequest{State: state}, &readResp)
	diags.Append(readResp.Diagnostics...)
	if diags.HasError() || readResp.State.Raw.IsNull() {
		return nil, diags
	}
	return &readResp.State, diags
}
