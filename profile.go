// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

//go:build profile

package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// With the profile build tag (go build -tags profile), a provider started
// with E2E_CPUPROFILE set writes a CPU profile of its whole run to that path
// plus its process id, for the benchmarks of BENCHMARKS.md.
func init() {
	prefix := os.Getenv("E2E_CPUPROFILE")
	if prefix == "" {
		return
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", prefix, os.Getpid()))
	if err != nil {
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return
	}
	stopProfile = func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}
