// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Command terraform-provider-e2e serves the E2E Terraform provider.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	runtimedebug "runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/provider"
)

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

//go:generate go tool -modfile=tools/go.mod tfplugindocs generate --provider-name e2e --rendered-provider-name E2E

// logEnv are the variables by which Terraform asks providers for logs.
var logEnv = []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO", "TF_ACC_LOG_PATH"}

// quietUnlessLogging turns the plugin SDK's own logging off when nobody asked
// for logs. Without a level the SDK formats every trace line as JSON for
// Terraform to throw away: measured at about 40% of the provider's CPU time
// when planning 200 functions (see BENCHMARKS.md). With TF_LOG or any of its
// sub-settings set, nothing changes.
func quietUnlessLogging() {
	for _, name := range logEnv {
		if os.Getenv(name) != "" {
			return
		}
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO", "TF_LOG_PROVIDER"} {
		_ = os.Setenv(name, "off")
	}
}

// stopProfile ends the CPU profile of a build with the profile tag
// (profile.go); otherwise it does nothing.
var stopProfile = func() {}

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider for a debugger (delve) and print the TF_REATTACH_PROVIDERS value to use")
	flag.Parse()
	quietUnlessLogging()
	if os.Getenv("GOGC") == "" {
		// A provider process lives for one command and stays small; the
		// default GC target spends about a sixth of its CPU collecting
		// (profiled while planning 200 functions). GOGC still overrides.
		runtimedebug.SetGCPercent(400)
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/e2eterraformprovider/e2e",
		Debug:   debug,
	})
	stopProfile()
	if err != nil {
		log.Fatal(err)
	}
}
