// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Command terraform-provider-e2e serves the E2E Terraform provider.
package main

import (
	"flag"
	"log"
	"os"
	runtimedebug "runtime/debug"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/provider"
)

// address is the provider's registry address.
const address = "registry.terraform.io/e2eterraformprovider/e2e"

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

//go:generate go tool -modfile=tools/go.mod tfplugindocs generate --provider-name e2e --rendered-provider-name E2E

// logEnv are the variables by which Terraform asks providers for logs.
var logEnv = []string{"TF_LOG", "TF_LOG_PROVIDER", providerLogEnv, "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO", "TF_ACC_LOG_PATH"}

// providerLogEnv sets the level of the provider's own log lines (tflog): the
// plugin SDK reads TF_LOG_PROVIDER_ plus the provider's type name, and logs
// everything when it is unset.
const providerLogEnv = "TF_LOG_PROVIDER_E2E"

// quietUnlessLogging turns the plugin SDK's logging and the provider's own
// off when nobody asked for logs. Without a level the SDK formats every trace
// line as JSON for Terraform to parse and throw away: measured at about 40% of
// the provider's CPU time when planning 200 functions (see BENCHMARKS.md),
// and the provider's line per API request cost Terraform a parse each. With
// TF_LOG or any of its sub-settings set, nothing changes.
func quietUnlessLogging() {
	for _, name := range logEnv {
		if os.Getenv(name) != "" {
			return
		}
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO", "TF_LOG_PROVIDER", providerLogEnv} {
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

	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	// The framework's server, with the provider's shortcut for unchanged
	// plans (internal/provider/quiet_plan.go).
	err := tf6server.Serve(address, provider.NewServer(version), opts...)
	stopProfile()
	if err != nil {
		log.Fatal(err)
	}
}
