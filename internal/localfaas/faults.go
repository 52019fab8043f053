// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"fmt"
	"net/http"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
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
func (s *Server) SetFaults(cfg faults.Config) error {
	if err := s.faults.Set(cfg); err != nil {
		return fmt.Errorf("localfaas: %w", err)
	}
	return nil
}

// ClearFaults stops injecting faults and forgets those injected.
func (s *Server) ClearFaults() { s.faults.Clear() }

// Faults returns the fault configuration in force, with the seed it uses.
func (s *Server) Faults() faults.Config { return s.faults.Config() }

// InjectedFaults returns the faults injected since SetFaults, oldest first
// (the last 1000).
func (s *Server) InjectedFaults() []faults.Injected { return s.faults.Injected() }

// FailNextDeploy makes the next deploy that starts (by a create or a
// redeploying call) end Failed with message as its error_message. It arms
// the fault layer's deploy hook (faults.Layer.FailNextDeploy), through
// which every deploy's failure is decided.
func (s *Server) FailNextDeploy(message string) { s.faults.FailNextDeploy(message) }
