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
	"strings"
	"sync/atomic"

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

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

var _ provider.Provider = (*e2eProvider)(nil)

// New returns a constructor for the provider at the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &e2eProvider{version: version} }
}

type e2eProvider struct {
	version string
	// configured is what Configure gave the resources, for the server's
	// shortcut (quiet_plan.go); nil until then.
	configured atomic.Pointer[providerData]
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
	// scope is the project and location the client works in, which
	// resources record (state_dialect.go).
	scope apiScope
}

// The API flavors (dialects) the provider speaks.
const (
	flavorMyAccount = string(faas.DialectMyAccount)
	flavorFaaSV1    = string(faas.DialectFaaSV1)
	defaultLocation = faas.DefaultMyAccountLocation
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
					"`faas-v1` (the design's fuller API, served by `e2e-faas-local`). " + envDescription("api_flavor") + " When unset it follows " +
					"`api_endpoint`: a base whose path ends in `/faas/api/v1/` means `faas-v1`, anything else `myaccount`.",
				Validators: []validator.String{stringvalidator.OneOf(flavorMyAccount, flavorFaaSV1)},
			},
			"api_endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Base URL of the E2E API, trailing slash included. Defaults to `" + faas.DefaultMyAccountEndpoint +
					"` (E2E's MyAccount API). " + envDescription("api_endpoint") + " Point it at `e2e-faas-local` " +
					"to try functions on your machine. Plain `http://` is accepted only with a warning unless the host is a loopback address, " +
					"since the API key and token would travel in clear.",
			},
			"api_key": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "E2E API key, sent as the `apikey` query parameter. " + envDescription("api_key"),
			},
			"auth_token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "E2E auth token, sent as a Bearer token. " + envDescription("auth_token"),
			},
			"project_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "E2E project ID (a positive integer, shown in the MyAccount console), sent as the `project_id` query parameter. " +
					"Required by the `myaccount` flavor; optional with `faas-v1`. " + envDescription("project_id"),
			},
			"location": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "E2E location (region), sent as the `location` query parameter. Defaults to `" + defaultLocation +
					"` with the `myaccount` flavor (where E2E offers Functions); sent only when set with `faas-v1`. " + envDescription("location"),
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

// settingEnv is each string setting of the provider block and the
// environment variables it falls back to, in order: the one place their
// names are written, for the schema's descriptions, Configure's look-ups and
// every message that names them.
var settingEnv = map[string][]string{
	"api_flavor":   {"E2E_API_FLAVOR"},
	"api_endpoint": {"E2E_API_ENDPOINT", "SERVICE_API_ENDPOINT"},
	"api_key":      {"E2E_API_KEY", "SERVICE_API_KEY"},
	"auth_token":   {"E2E_AUTH_TOKEN", "SERVICE_AUTH_TOKEN"},
	"project_id":   {"E2E_PROJECT_ID"},
	"location":     {"E2E_LOCATION", "E2E_REGION"},
}

// envVar is the setting's first environment variable, the one messages
// name.
func envVar(name string) string { return settingEnv[name][0] }

// envDescription is "Environment: `A`, then `B`." for the schema.
func envDescription(name string) string {
	return "Environment: `" + strings.Join(settingEnv[name], "`, then `") + "`."
}

// settings are the provider block's values after the environment: what
// Configure resolves, checks, then builds the client from.
type settings struct {
	flavor, endpoint, apiKey, token, projectID, location string
}

// resolve reads the configuration: an unknown value is an error, a null
// one falls back to the first of its environment variables that is set.
func resolve(cfg providerModel) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	values := map[string]types.String{
		"api_flavor": cfg.APIFlavor, "api_endpoint": cfg.APIEndpoint, "api_key": cfg.APIKey, "auth_token": cfg.AuthToken,
		"project_id": cfg.ProjectID, "location": cfg.Location,
	}
	for name, v := range values {
		if v.IsUnknown() {
			diags.AddAttributeError(path.Root(name), "Unknown "+name,
				"The provider cannot connect while "+name+" is unknown: it is computed from a resource not yet created. "+
					"Set it to a value known at plan time, or leave it out of the configuration and set its environment variable.")
		}
	}
	get := func(name string) string {
		if v := values[name]; !v.IsNull() && !v.IsUnknown() {
			return v.ValueString()
		}
		for _, e := range settingEnv[name] {
			if s := os.Getenv(e); s != "" {
				return s
			}
		}
		return ""
	}
	return settings{
		flavor: get("api_flavor"), endpoint: get("api_endpoint"), apiKey: get("api_key"), token: get("auth_token"),
		projectID: get("project_id"), location: get("location"),
	}, diags
}

// check fails on what no client can be built from, and fills in what the
// flavor implies: the flavor itself from the endpoint, and MyAccount's
// endpoint and location.
func (s *settings) check() diag.Diagnostics {
	var diags diag.Diagnostics
	for _, c := range []struct{ name, value, summary, what string }{
		{"api_key", s.apiKey, "Missing E2E API key", "key"},
		{"auth_token", s.token, "Missing E2E auth token", "token"},
	} {
		if c.value == "" {
			diags.AddAttributeError(path.Root(c.name), c.summary,
				fmt.Sprintf("Set %s in the provider block or the %s environment variable (%s is read too). "+
					"Find the %s in the E2E MyAccount portal under API tokens; for the local server, copy the line e2e-faas-local prints.",
					c.name, envVar(c.name), settingEnv[c.name][1], c.what))
		}
	}
	if diags.HasError() {
		return diags
	}
	switch {
	case s.flavor == "" && s.endpoint == "":
		s.flavor = flavorMyAccount
	case s.flavor == "":
		s.flavor = flavorForEndpoint(s.endpoint)
	case s.flavor != flavorMyAccount && s.flavor != flavorFaaSV1:
		diags.AddAttributeError(path.Root("api_flavor"), "Invalid api_flavor",
			fmt.Sprintf("%s is %q; it must be %q or %q.", envVar("api_flavor"), s.flavor, flavorMyAccount, flavorFaaSV1))
		return diags
	}
	if s.flavor == flavorMyAccount {
		if s.endpoint == "" {
			s.endpoint = faas.DefaultMyAccountEndpoint
		}
		if s.location == "" {
			s.location = defaultLocation
		}
		if !catalogue.IsProjectID(s.projectID) {
			problem := "is not set"
			if s.projectID != "" {
				problem = fmt.Sprintf("is %q, not a positive integer of at most 18 digits", s.projectID)
			}
			diags.AddAttributeError(path.Root("project_id"), "Missing or invalid E2E project ID",
				fmt.Sprintf("The MyAccount API needs the project's ID on every request, and project_id (or %[1]s) %[2]s. "+
					"Find the ID of your project in the E2E MyAccount console and set project_id in the provider block or %[1]s.", envVar("project_id"), problem))
			return diags
		}
	}
	if plainHTTPElsewhere(s.endpoint) {
		diags.AddAttributeWarning(path.Root("api_endpoint"), "API key and token sent in clear",
			"api_endpoint uses plain http:// to a host that is not this machine, so the API key and auth token cross the network unencrypted. "+
				"Use https://, or a loopback address for e2e-faas-local.")
	}
	return diags
}

// build makes the client of the flavor, with the provider's limits, and a
// log that never shows the credentials.
func (p *e2eProvider) build(s settings, cfg providerModel) (faas.API, error) {
	newClient := func(c faas.Config) (faas.API, error) { return faas.New(c) }
	if s.flavor == flavorMyAccount {
		newClient = func(c faas.Config) (faas.API, error) { return faas.NewMyAccount(c) }
	}
	rps := valueOr(cfg.RequestsPerSecond.ValueFloat64Pointer(), defaultRequestsPerSecond)
	return newClient(faas.Config{
		Endpoint:  s.endpoint,
		APIKey:    s.apiKey,
		AuthToken: s.token,
		ProjectID: s.projectID,
		Location:  s.location,

		MaxConcurrentRequests: int(valueOr(cfg.MaxConcurrentRequests.ValueInt64Pointer(), defaultMaxConcurrentRequests)),
		RequestsPerSecond:     rps,
		Burst:                 int(rps),
		UserAgent:             "terraform-provider-e2e/" + p.version + " (+https://registry.terraform.io/providers/e2eterraformprovider/e2e)",
		Log: func(ctx context.Context, msg string, fields map[string]any) {
			ctx = tflog.MaskAllFieldValuesStrings(tflog.MaskMessageStrings(ctx, s.apiKey, s.token), s.apiKey, s.token)
			tflog.Debug(ctx, msg, fields)
		},
	})
}

// Configure resolves the settings (configuration, then environment), checks
// them, and builds the client every resource and data source shares.
func (p *e2eProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s, diags := resolve(cfg)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	if resp.Diagnostics.Append(s.check()...); resp.Diagnostics.HasError() {
		return
	}
	client, err := p.build(s, cfg)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("api_endpoint"), "Invalid E2E provider configuration", err.Error())
		return
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, s.apiKey, s.token)
	tflog.Debug(ctx, "configured the E2E FaaS client", map[string]any{"endpoint": s.endpoint, "api_flavor": s.flavor})
	data := &providerData{client: client, endpoint: s.endpoint, scope: apiScope{ProjectID: s.projectID, Location: s.location}}
	resp.ResourceData = data
	resp.DataSourceData = data
	// Terraform 1.14's verbs (provider_verbs.go).
	resp.ActionData = data
	resp.ListResourceData = data
	p.configured.Store(data)
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
