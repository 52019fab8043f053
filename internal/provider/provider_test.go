// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import "testing"

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
