// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*runtimesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*runtimesDataSource)(nil)
)

// NewRuntimesDataSource is the constructor of data.e2e_faas_runtimes.
func NewRuntimesDataSource() datasource.DataSource { return &runtimesDataSource{} }

type runtimesDataSource struct {
	data *providerData
}

type runtimesModel struct {
	FilterHardware types.String   `tfsdk:"filter_hardware"`
	Runtimes       []runtimeModel `tfsdk:"runtimes"`
}

type runtimeModel struct {
	Name        types.String `tfsdk:"name"`
	Version     types.String `tfsdk:"version"`
	Templates   []string     `tfsdk:"templates"`
	Hardware    []string     `tfsdk:"hardware"`
	RunsLocally types.Bool   `tfsdk:"runs_locally"`

	BoilerCode       types.String `tfsdk:"boiler_code"`
	RequirementsFile types.String `tfsdk:"requirements_file"`
}

func (d *runtimesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_faas_runtimes"
}

func (d *runtimesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The runtimes E2E FaaS offers in the provider's project and location, with their templates and hardware. " +
			"With the `myaccount` API each runtime runs on one hardware type (its `node_type`) and has no templates or version. " +
			"`e2e_faas_function` checks its runtime, template and hardware against the same catalogue at plan time.",
		Attributes: map[string]schema.Attribute{
			"filter_hardware": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only runtimes that run on this hardware: `cpu` or `gpu`.",
				Validators:          []validator.String{stringvalidator.OneOf(hardwareTypes...)},
			},
			"runtimes": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The runtimes, in the catalogue's order.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name":      schema.StringAttribute{Computed: true, MarkdownDescription: "Runtime name, the value of `e2e_faas_function.runtime`."},
						"version":   schema.StringAttribute{Computed: true, MarkdownDescription: "Version of the language or framework."},
						"templates": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Templates the runtime offers."},
						"hardware":  schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Hardware types it runs on."},
						"boiler_code": schema.StringAttribute{Computed: true, MarkdownDescription: "With the `myaccount` API: the starter handler " +
							"E2E offers for the runtime (its `boiler_code`), ready for `code_inline`. Null with `faas-v1`."},
						"requirements_file": schema.StringAttribute{Computed: true, MarkdownDescription: "With the `myaccount` API: the name of the " +
							"runtime's requirements file (its `label`, such as `requirements.txt` or `package.json`), which `code_path` and " +
							"`code_archive` may hold beside the handler. Null with `faas-v1`."},
						"runs_locally": schema.BoolAttribute{Computed: true, MarkdownDescription: "Against `e2e-faas-local` only: whether it can run " +
							"functions of this runtime on its machine (null from E2E itself)."},
					},
				},
			},
		},
	}
}

func (d *runtimesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *runtimesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m runtimesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	rts, err := d.data.catalogue.get(ctx, d.data.client)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not read the runtime catalogue", err, "")
		return
	}
	m.Runtimes = []runtimeModel{}
	for _, rt := range rts {
		if h := m.FilterHardware.ValueString(); h != "" && !slices.Contains(rt.Hardware, h) {
			continue
		}
		m.Runtimes = append(m.Runtimes, runtimeModel{
			Name: types.StringValue(rt.Name), Version: optionalString(rt.Version),
			BoilerCode: optionalString(rt.BoilerCode), RequirementsFile: optionalString(rt.RequirementsFile),
			Templates: nonNil(rt.Templates), Hardware: nonNil(rt.Hardware),
			RunsLocally: types.BoolPointerValue(rt.RunsLocally),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
