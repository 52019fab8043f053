// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"fmt"
	"net/http"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
)

// The fault layer is package faults; these names keep the server's Go
// surface as it was.
type (
	// FaultKind names a fault injected into a request or a deploy.
	FaultKind = faults.Kind
	// FaultRule says how often the requests of a route meet a fault, and which.
	FaultRule = faults.Rule
	// FaultConfig is what Server.SetFaults injects.
	FaultConfig = faults.Config
	// DurationRange is a closed range of durations, "MIN-MAX" as text.
	DurationRange = faults.DurationRange
	// InjectedFault is one fault the server injected.
	InjectedFault = faults.Injected
)

// The kinds of fault; see package faults.
const (
	FaultInternalError = faults.InternalError
	FaultBadGateway    = faults.BadGateway
	FaultUnavailable   = faults.Unavailable
	FaultRateLimited   = faults.RateLimited
	FaultDrop          = faults.Drop
	FaultLatency       = faults.Latency
	FaultDeployFail    = faults.DeployFail
	FaultDeployStall   = faults.DeployStall
)

// newFaultLayer is the server's fault layer: injected errors take the
// dialect's error form, and a dropped request is logged with its own status.
func (s *Server) newFaultLayer() *faults.Layer {
	return faults.New(faults.Options{
		Now:        s.now,
		WriteError: writeErrorFor,
		LogDropped: func(r *http.Request, route string, status int, start time.Time) {
			s.logRequest(Request{Method: r.Method, Path: r.URL.Path, Route: route, Status: status, Time: start})
		},
		MaxBody: maxBodyBytes,
	})
}

// SetFaults replaces the fault configuration and restarts its sequence: the
// same configuration, seed included, and the same requests give the same
// faults again. A configuration that does not validate changes nothing.
// Faults apply to the contract's routes only, after authentication; the
// admin routes never meet one.
func (s *Server) SetFaults(cfg FaultConfig) error {
	if err := s.faults.Set(cfg); err != nil {
		return fmt.Errorf("localfaas: %w", err)
	}
	return nil
}

// ClearFaults stops injecting faults and forgets those injected.
func (s *Server) ClearFaults() { s.faults.Clear() }

// Faults returns the fault configuration in force, with the seed it uses.
func (s *Server) Faults() FaultConfig { return s.faults.Config() }

// InjectedFaults returns the faults injected since SetFaults, oldest first
// (the last 1000).
func (s *Server) InjectedFaults() []InjectedFault { return s.faults.Injected() }

// FailNextDeploy makes the next deploy that starts (by a create or a
// redeploying call) end Failed with message as its error_message. It arms
// the fault layer's deploy hook (faults.Layer.FailNextDeploy), through
// which every deploy's failure is decided.
func (s *Server) FailNextDeploy(message string) { s.faults.FailNextDeploy(message) }
