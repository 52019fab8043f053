// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"slices"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// runtimeInfo describes one runtime the platform offers.
type runtimeInfo struct {
	Name      string   `json:"name"`
	Version   string   `json:"version"`
	Templates []string `json:"templates"`
	Hardware  []string `json:"hardware"`
	// RunsLocally, a local-server extension, says whether the runner runs
	// the runtime's functions on this machine; absent without a runner.
	RunsLocally *bool `json:"runs_locally,omitempty"`
}

// runtimes is the catalogue served by GET runtimes and used to validate
// functions: catalogue.FaaSV1, in its order (the design's validation list;
// DESIGN.md#runtime-catalogue).
var runtimes = faasV1Runtimes()

// templates and hardwareTypes are every value the contract accepts, whatever
// the runtime.
var (
	templates     = catalogue.FaaSV1.Templates()
	hardwareTypes = catalogue.FaaSV1.Hardware()
)

func faasV1Runtimes() []runtimeInfo {
	out := make([]runtimeInfo, len(catalogue.FaaSV1))
	for i, rt := range catalogue.FaaSV1 {
		out[i] = runtimeInfo{Name: rt.Name, Version: rt.Version,
			Templates: slices.Clone(rt.Templates), Hardware: slices.Clone(rt.Hardware)}
	}
	return out
}

func lookupRuntime(name string) (runtimeInfo, bool) {
	i := slices.IndexFunc(runtimes, func(r runtimeInfo) bool { return r.Name == name })
	if i < 0 {
		return runtimeInfo{}, false
	}
	return runtimes[i], true
}

func runtimeNames() []string { return catalogue.FaaSV1.Names() }
