// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package provider is everything Terraform sees of the E2E provider: the
// provider configuration, resources and data sources.
package provider

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	APIFlavor   types.String `tfsdk:"api_flavor"`
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
	client    faas.API
	catalogue liveCatalogue
	// endpoint is the API base the client talks to, for messages that
	// name api_endpoint.
	endpoint string
}

// The API flavors (dialects) the provider speaks.
const (
	flavorMyAccount = string(faas.DialectMyAccount)
	flavorFaaSV1    = string(faas.DialectFaaSV1)
	// defaultLocation is where E2E offers Functions, and E2E's CLI default.
	defaultLocation = "Delhi"
)

// flavorForEndpoint is the flavor an endpoint implies when api_flavor is not
// set: the faas-v1 API lives under /faas/api/v1/, E2E's MyAccount API
// anywhere else (DESIGN.md#api-dialects).
func flavorForEndpoint(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err == nil && strings.HasSuffix(strings.TrimSuffix(u.Path, "/")+"/", "/faas/api/v1/") {
		return flavorFaaSV1
	}
	return flavorMyAccount
}

// plainHTTPElsewhere reports whether the endpoint sends credentials in clear
// to another machine.
func plainHTTPElsewhere(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
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
			"api_flavor": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Which E2E FaaS API the endpoint speaks: `myaccount` (the API E2E serves today under MyAccount) or " +
					"`faas-v1` (the design's fuller API, served by `e2e-faas-local`). Environment: `E2E_API_FLAVOR`. When unset it follows " +
					"`api_endpoint`: a base whose path ends in `/faas/api/v1/` means `faas-v1`, anything else `myaccount`.",
				Validators: []validator.String{stringvalidator.OneOf(flavorMyAccount, flavorFaaSV1)},
			},
			"api_endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Base URL of the E2E API, trailing slash included. Defaults to `" + faas.DefaultMyAccountEndpoint +
					"` (E2E's MyAccount API). Environment: `E2E_API_ENDPOINT`, then `SERVICE_API_ENDPOINT`. Point it at `e2e-faas-local` " +
					"to try functions on your machine. Plain `http://` is accepted only with a warning unless the host is a loopback address, " +
					"since the API key and token would travel in clear.",
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
				Optional: true,
				MarkdownDescription: "E2E project ID (a positive integer, shown in the MyAccount console), sent as the `project_id` query parameter. " +
					"Required by the `myaccount` flavor; optional with `faas-v1`. Environment: `E2E_PROJECT_ID`.",
			},
			"location": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "E2E location (region), sent as the `location` query parameter. Defaults to `" + defaultLocation +
					"` with the `myaccount` flavor (where E2E offers Functions); sent only when set with `faas-v1`. Environment: `E2E_LOCATION`, then `E2E_REGION`.",
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
		"api_flavor": cfg.APIFlavor, "api_endpoint": cfg.APIEndpoint, "api_key": cfg.APIKey, "auth_token": cfg.AuthToken,
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
	flavor := setting(cfg.APIFlavor, "E2E_API_FLAVOR")
	switch {
	case flavor == "" && endpoint == "":
		flavor = flavorMyAccount
	case flavor == "":
		flavor = flavorForEndpoint(endpoint)
	case flavor != flavorMyAccount && flavor != flavorFaaSV1:
		resp.Diagnostics.AddAttributeError(path.Root("api_flavor"), "Invalid api_flavor",
			fmt.Sprintf("E2E_API_FLAVOR is %q; it must be %q or %q.", flavor, flavorMyAccount, flavorFaaSV1))
		return
	}
	projectID := setting(cfg.ProjectID, "E2E_PROJECT_ID")
	location := setting(cfg.Location, "E2E_LOCATION", "E2E_REGION")
	if flavor == flavorMyAccount {
		if endpoint == "" {
			endpoint = faas.DefaultMyAccountEndpoint
		}
		if location == "" {
			location = defaultLocation
		}
		if n, err := strconv.ParseInt(projectID, 10, 64); err != nil || n <= 0 {
			problem := "is not set"
			if projectID != "" {
				problem = fmt.Sprintf("is %q, not a positive integer", projectID)
			}
			resp.Diagnostics.AddAttributeError(path.Root("project_id"), "Missing or invalid E2E project ID",
				"The MyAccount API needs the project's ID on every request, and project_id (or E2E_PROJECT_ID) "+problem+". "+
					"Find the ID of your project in the E2E MyAccount console and set project_id in the provider block or E2E_PROJECT_ID.")
			return
		}
	}
	if plainHTTPElsewhere(endpoint) {
		resp.Diagnostics.AddAttributeWarning(path.Root("api_endpoint"), "API key and token sent in clear",
			"api_endpoint uses plain http:// to a host that is not this machine, so the API key and auth token cross the network unencrypted. "+
				"Use https://, or a loopback address for e2e-faas-local.")
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, apiKey, token)
	newClient := func(c faas.Config) (faas.API, error) { return faas.New(c) }
	if flavor == flavorMyAccount {
		newClient = func(c faas.Config) (faas.API, error) { return faas.NewMyAccount(c) }
	}
	client, err := newClient(faas.Config{
		Endpoint:  endpoint,
		APIKey:    apiKey,
		AuthToken: token,
		ProjectID: projectID,
		Location:  location,

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
	tflog.Debug(ctx, "configured the E2E FaaS client", map[string]any{"endpoint": endpoint, "api_flavor": flavor})
	data := &providerData{client: client, endpoint: endpoint}
	resp.ResourceData = data
	resp.DataSourceData = data
	// Terraform 1.14's verbs (provider_verbs.go).
	resp.ActionData = data
	resp.ListResourceData = data
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
