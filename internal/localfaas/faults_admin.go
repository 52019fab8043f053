// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
)

// The admin routes of fault injection: GET /_local/faults answers the
// configuration in force and the faults injected, PUT replaces the
// configuration (answering as GET), DELETE clears it (204).

const faultsExample = `{"seed":42,"rate":0.2,"kinds":["503","drop"],"routes":{"POST functions":{"rate":1,"kinds":["drop"]}},` +
	`"retry_after":"0s","latency":"0-50ms","deploy_fail_rate":0.1,"deploy_stall":"30s"}`

type wireFaultRule struct {
	Rate  float64       `json:"rate"`
	Kinds []faults.Kind `json:"kinds"`
}

type wireFaultConfig struct {
	Seed           uint64                   `json:"seed"`
	Rate           float64                  `json:"rate"`
	Kinds          []faults.Kind            `json:"kinds"`
	Routes         map[string]wireFaultRule `json:"routes"`
	RetryAfter     textDuration             `json:"retry_after"`
	Latency        faults.DurationRange     `json:"latency"`
	DeployFailRate float64                  `json:"deploy_fail_rate"`
	DeployStall    textDuration             `json:"deploy_stall"`
}

type wireInjectedFault struct {
	Route      string      `json:"route,omitempty"`
	Request    uint64      `json:"request"`
	Kind       faults.Kind `json:"kind"`
	Latency    string      `json:"latency,omitempty"`
	FunctionID string      `json:"function_id,omitempty"`
	Time       string      `json:"time"`
}

type wireFaults struct {
	Enabled bool `json:"enabled"`
	wireFaultConfig
	Injected []wireInjectedFault `json:"injected"`
}

// textDuration is a time.Duration written as Go writes durations ("1.5s").
type textDuration time.Duration

func (d textDuration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *textDuration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return err
	}
	*d = textDuration(v)
	return nil
}

func faultConfigToWire(c faults.Config) wireFaultConfig {
	w := wireFaultConfig{
		Seed: c.Seed, Rate: c.Rate, Kinds: nonNil(c.Kinds), Routes: map[string]wireFaultRule{},
		RetryAfter: textDuration(c.RetryAfter), Latency: c.Latency,
		DeployFailRate: c.DeployFailRate, DeployStall: textDuration(c.DeployStall),
	}
	for route, rule := range c.Routes {
		w.Routes[route] = wireFaultRule{Rate: rule.Rate, Kinds: nonNil(rule.Kinds)}
	}
	return w
}

func (w wireFaultConfig) config() faults.Config {
	c := faults.Config{
		Seed: w.Seed, Rate: w.Rate, Kinds: w.Kinds,
		RetryAfter: time.Duration(w.RetryAfter), Latency: w.Latency,
		DeployFailRate: w.DeployFailRate, DeployStall: time.Duration(w.DeployStall),
	}
	if len(w.Routes) > 0 {
		c.Routes = map[string]faults.Rule{}
		for route, rule := range w.Routes {
			c.Routes[route] = faults.Rule{Rate: rule.Rate, Kinds: rule.Kinds}
		}
	}
	return c
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) adminGetFaults(w http.ResponseWriter, _ *http.Request) {
	cfg := s.Faults()
	out := wireFaults{Enabled: cfg.Enabled(), wireFaultConfig: faultConfigToWire(cfg), Injected: []wireInjectedFault{}}
	for _, f := range s.InjectedFaults() {
		wf := wireInjectedFault{Route: f.Route, Request: f.Request, Kind: f.Kind, FunctionID: f.FunctionID, Time: formatTime(f.Time)}
		if f.Kind == faults.Latency || f.Kind == faults.DeployStall {
			wf.Latency = f.Latency.String()
		}
		out.Injected = append(out.Injected, wf)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) adminPutFaults(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "cannot read the request body", nil)
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		writeError(w, http.StatusBadRequest, "request body is empty; send e.g. "+faultsExample, nil)
		return
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var in wireFaultConfig
	if err := dec.Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid faults: "+err.Error()+"; send e.g. "+faultsExample, nil)
		return
	}
	if err := s.faults.Set(in.config()); err != nil {
		var errs fieldErrors
		if errors.As(err, &errs) {
			writeError(w, http.StatusBadRequest, "invalid faults", errs)
			return
		}
		writeError(w, http.StatusInternalServerError, err.Error(), nil) // Set fails only to validate: a bug
		return
	}
	s.adminGetFaults(w, r)
}

func (s *Server) adminDeleteFaults(w http.ResponseWriter, _ *http.Request) {
	s.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}
