// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"os"
	"path"
	"strings"
	"testing"
)

// Without a log setting, the plugin SDK's logs and the provider's own are
// off; the provider's are read from TF_LOG_PROVIDER_ and its type name.
// With TF_LOG set, nothing is turned off.
func TestQuietUnlessLogging(t *testing.T) {
	if want := "TF_LOG_PROVIDER_" + strings.ToUpper(strings.ReplaceAll(path.Base(address), "-", "_")); providerLogEnv != want {
		t.Fatalf("providerLogEnv = %s, want %s", providerLogEnv, want)
	}
	unset := func() {
		for _, name := range logEnv {
			t.Setenv(name, "") // restored after the test
			_ = os.Unsetenv(name)
		}
	}
	unset()
	quietUnlessLogging()
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO", providerLogEnv} {
		if got := os.Getenv(name); got != "off" {
			t.Errorf("%s = %q, want off", name, got)
		}
	}
	unset()
	t.Setenv("TF_LOG", "DEBUG")
	quietUnlessLogging()
	if got := os.Getenv(providerLogEnv); got != "" {
		t.Errorf("with TF_LOG set, %s = %q, want it left unset", providerLogEnv, got)
	}
}
