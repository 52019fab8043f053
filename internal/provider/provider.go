// Package provider is everything Terraform sees of the E2E provider: the
// provider configuration, resources and data sources.
package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

var _ provider.Provider = (*e2eProvider)(nil)

// New returns a constructor for the provider at the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &e2eProvider{version: version} }
}

type e2eProvider struct {
	version string
}

type providerModel struct {
	APIEndpoint types.String `tfsdk:"api_endpoint"`
	APIKey      types.String `tfsdk:"api_key"`
	AuthToken   types.String `tfsdk:"auth_token"`
	ProjectID   types.String `tfsdk:"project_id"`
	Location    types.String `tfsdk:"location"`

	MaxConcurrentRequests types.Int64   `tfsdk:"max_concurrent_requests"`
	RequestsPerSecond     types.Float64 `tfsdk:"requests_per_second"`
}

// Client-side limits shared by every resource of one provider instance.
const (
	defaultMaxConcurrentRequests = 16
	defaultRequestsPerSecond     = 100
)

// providerData is what resources and data sources receive from Configure.
type providerData struct {
	client    *faas.Client
	catalogue catalogue
}

// configuredData is the Configure of every resource and data source: nil
// until the provider is configured (as during validation).
func configuredData(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("Expected *providerData, got %T. Please report this issue to the provider developers.", data))
	}
	return pd
}

func (p *e2eProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "e2e"
	resp.Version = p.version
}

func (p *e2eProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The E2E provider manages E2E Networks Functions-as-a-Service: functions, their secrets, " +
			"and the runtime catalogue. Every setting can also come from the environment, so a configuration can stay free of credentials.",
		Attributes: map[string]schema.Attribute{
			"api_endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Base URL of the E2E FaaS API, trailing slash included. Defaults to `" + faas.DefaultEndpoint +
					"`. Environment: `E2E_API_ENDPOINT`, then `SERVICE_API_ENDPOINT`. Point it at `e2e-faas-local` to try functions on your machine.",
			},
			"api_key": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "E2E API key, sent as the `apikey` query parameter. Environment: `E2E_API_KEY`, then `SERVICE_API_KEY`.",
			},
			"auth_token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "E2E auth token, sent as a Bearer token. Environment: `E2E_AUTH_TOKEN`, then `SERVICE_AUTH_TOKEN`.",
			},
			"project_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "E2E project ID, sent as the `project_id` query parameter when set. Environment: `E2E_PROJECT_ID`.",
			},
			"location": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "E2E location (region), sent as the `location` query parameter when set. Environment: `E2E_LOCATION`.",
			},
			"max_concurrent_requests": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Most API requests in flight at once, shared by every resource and data source of this provider "+
					"(so `-parallelism` cannot overrun the API). Defaults to %d.", defaultMaxConcurrentRequests),
				Validators: []validator.Int64{int64validator.Between(1, 1000)},
			},
			"requests_per_second": schema.Float64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Most API requests per second (retries and status polls included), shared like `max_concurrent_requests`. "+
					"Defaults to %d. The provider also backs off when the API answers 429.", defaultRequestsPerSecond),
				Validators: []validator.Float64{float64validator.Between(0.1, 10000)},
			},
		},
	}
}

func valueOr[T int64 | float64](v *T, fallback T) T {
	if v == nil {
		return fallback
	}
	return *v
}

// setting picks the configured value, else the first environment variable
// that is set.
func setting(v types.String, envs ...string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	for _, e := range envs {
		if s := os.Getenv(e); s != "" {
			return s
		}
	}
	return ""
}

func (p *e2eProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for name, v := range map[string]types.String{
		"api_endpoint": cfg.APIEndpoint, "api_key": cfg.APIKey, "auth_token": cfg.AuthToken,
		"project_id": cfg.ProjectID, "location": cfg.Location,
	} {
		if v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown "+name,
				"The provider cannot connect while "+name+" is unknown: it is computed from a resource not yet created. "+
					"Set it to a value known at plan time, or leave it out of the configuration and set its environment variable.")
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	endpoint := setting(cfg.APIEndpoint, "E2E_API_ENDPOINT", "SERVICE_API_ENDPOINT")
	apiKey := setting(cfg.APIKey, "E2E_API_KEY", "SERVICE_API_KEY")
	token := setting(cfg.AuthToken, "E2E_AUTH_TOKEN", "SERVICE_AUTH_TOKEN")
	if apiKey == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing E2E API key",
			"Set api_key in the provider block or the E2E_API_KEY environment variable (SERVICE_API_KEY is read too). "+
				"Find the key in the E2E MyAccount portal under API tokens; for the local server, copy the line e2e-faas-local prints.")
	}
	if token == "" {
		resp.Diagnostics.AddAttributeError(path.Root("auth_token"), "Missing E2E auth token",
			"Set auth_token in the provider block or the E2E_AUTH_TOKEN environment variable (SERVICE_AUTH_TOKEN is read too). "+
				"Find the token in the E2E MyAccount portal under API tokens; for the local server, copy the line e2e-faas-local prints.")
	}
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, apiKey, token)
	client, err := faas.New(faas.Config{
		Endpoint:  endpoint,
		APIKey:    apiKey,
		AuthToken: token,
		ProjectID: setting(cfg.ProjectID, "E2E_PROJECT_ID"),
		Location:  setting(cfg.Location, "E2E_LOCATION"),

		MaxConcurrentRequests: int(valueOr(cfg.MaxConcurrentRequests.ValueInt64Pointer(), defaultMaxConcurrentRequests)),
		RequestsPerSecond:     valueOr(cfg.RequestsPerSecond.ValueFloat64Pointer(), defaultRequestsPerSecond),
		Burst:                 int(valueOr(cfg.RequestsPerSecond.ValueFloat64Pointer(), defaultRequestsPerSecond)),
		UserAgent:             "terraform-provider-e2e/" + p.version + " (+https://registry.terraform.io/providers/e2eterraformprovider/e2e)",
		Log: func(ctx context.Context, msg string, fields map[string]any) {
			ctx = tflog.MaskAllFieldValuesStrings(tflog.MaskMessageStrings(ctx, apiKey, token), apiKey, token)
			tflog.Debug(ctx, msg, fields)
		},
	})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("api_endpoint"), "Invalid E2E provider configuration", err.Error())
		return
	}
	tflog.Debug(ctx, "configured the E2E FaaS client", map[string]any{"endpoint": endpoint})
	data := &providerData{client: client}
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *e2eProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewFunctionResource,
		NewSecretResource,
	}
}

func (p *e2eProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewRuntimesDataSource,
		NewFunctionDataSource,
		NewFunctionsDataSource,
	}
}
