// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestFlavorForEndpoint(t *testing.T) {
	for endpoint, want := range map[string]string{
		"https://api.e2enetworks.com/myaccount/api/v1/": flavorMyAccount,
		"https://api.e2enetworks.com/faas/api/v1/":      flavorFaaSV1,
		"https://api.e2enetworks.com/faas/api/v1":       flavorFaaSV1,
		"http://127.0.0.1:8080/faas/api/v1/":            flavorFaaSV1,
		"http://127.0.0.1:8080/":                        flavorMyAccount,
		"http://127.0.0.1:8080/other/faas/api/v2/":      flavorMyAccount,
	} {
		if got := flavorForEndpoint(endpoint); got != want {
			t.Errorf("flavorForEndpoint(%q) = %q, want %q", endpoint, got, want)
		}
	}
}

func TestPlainHTTPElsewhere(t *testing.T) {
	for endpoint, want := range map[string]bool{
		"https://api.e2enetworks.com/myaccount/api/v1/": false,
		"http://127.0.0.1:8080/faas/api/v1/":            false,
		"http://[::1]:8080/":                            false,
		"http://localhost:8080/":                        false,
		"http://api.example.test/myaccount/api/v1/":     true,
		"http://10.1.2.3/":                              true,
	} {
		if got := plainHTTPElsewhere(endpoint); got != want {
			t.Errorf("plainHTTPElsewhere(%q) = %v, want %v", endpoint, got, want)
		}
	}
}

// Every setting's environment variables are in its description, from the
// one table; resolve reads them in order.
func TestSettingEnv(t *testing.T) {
	var resp provider.SchemaResponse
	(&e2eProvider{}).Schema(context.Background(), provider.SchemaRequest{}, &resp)
	for name, vars := range settingEnv {
		attr, ok := resp.Schema.Attributes[name]
		if !ok {
			t.Errorf("settingEnv has %s, which the schema lacks", name)
			continue
		}
		for _, v := range vars {
			if !strings.Contains(attr.GetMarkdownDescription(), "`"+v+"`") {
				t.Errorf("%s's description does not name %s", name, v)
			}
		}
	}
	for name, vars := range settingEnv {
		for _, v := range vars {
			t.Setenv(v, "")
		}
		t.Setenv(vars[len(vars)-1], "from-"+vars[len(vars)-1])
		s, diags := resolve(providerModel{
			APIFlavor: types.StringNull(), APIEndpoint: types.StringNull(), APIKey: types.StringNull(), AuthToken: types.StringNull(),
			ProjectID: types.StringNull(), Location: types.StringNull(),
		})
		got := map[string]string{"api_flavor": s.flavor, "api_endpoint": s.endpoint, "api_key": s.apiKey, "auth_token": s.token,
			"project_id": s.projectID, "location": s.location}[name]
		if diags.HasError() || got != "from-"+vars[len(vars)-1] {
			t.Errorf("%s resolved to %q (%v), want the value of %s", name, got, diags, vars[len(vars)-1])
		}
	}
}
