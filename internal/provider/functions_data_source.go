// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

var (
	_ datasource.DataSource              = (*functionsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*functionsDataSource)(nil)
)

// NewFunctionsDataSource is the constructor of data.e2e_faas_functions.
func NewFunctionsDataSource() datasource.DataSource { return &functionsDataSource{} }

type functionsDataSource struct {
	data *providerData
}

type functionsModel struct {
	Name      types.String        `tfsdk:"name"`
	Labels    types.Map           `tfsdk:"labels"`
	Functions []functionInfoModel `tfsdk:"functions"`
}

func (d *functionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_faas_functions"
}

func (d *functionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists existing functions, optionally only those with a name or with every given label. " +
			"It follows the API's pages, so any number of functions is listed. Under E2E's `myaccount` API the list is one page, " +
			"functions have no labels, and `labels` fails the plan; filtering by label needs the `faas-v1` API.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only functions of exactly this name.",
				Validators:          functionNameValidators(),
			},
			"labels": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Only functions that carry every one of these labels with these values (`faas-v1` only: under `myaccount` it fails the plan).",
			},
			"functions": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The functions, oldest first.",
				NestedObject:        schema.NestedAttributeObject{Attributes: functionInfoAttributes()},
			},
		},
	}
}

func (d *functionsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *functionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m functionsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	labels, diags := stringMap(ctx, m.Labels)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if len(labels) > 0 && !d.data.client.Capabilities().LabelFilter {
		addNoLabelFilterError(&resp.Diagnostics, "name, or filter the list in the configuration")
		return
	}
	fns, err := d.data.client.ListAllFunctions(ctx, faas.ListFunctionsOptions{Name: m.Name.ValueString(), Labels: labels})
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not list functions", err, "")
		return
	}
	m.Functions = make([]functionInfoModel, 0, len(fns))
	for i := range fns {
		m.Functions = append(m.Functions, describeFunction(&fns[i]))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
