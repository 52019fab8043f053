// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// dialectClient talks to the test server in the provider's dialect, as
// the console (or another tool) would, to make functions without Terraform.
func (e *testEnv) dialectClient() faas.API {
	e.t.Helper()
	cfg := faas.Config{Endpoint: e.url, APIKey: e.key, AuthToken: e.token, ProjectID: e.dialect.projectID}
	var c faas.API
	var err error
	if e.dialect.projectID != "" {
		cfg.Location = defaultLocation
		c, err = faas.NewMyAccount(cfg)
	} else {
		c, err = faas.New(cfg)
	}
	must(e.t, err)
	return c
}

// makeOutside makes a function the way another tool would, through the
// dialect's own API and without Terraform, with the defaults' config and
// the code of src (packed as the dialect takes code); set, when not nil,
// changes the request before it is sent. With deployed, it waits until the
// function runs. It returns the function's id.
func (e *testEnv) makeOutside(name string, src packaging.Source, deployed bool, set func(*faas.FunctionSpec)) string {
	e.t.Helper()
	ctx := context.Background()
	c := e.dialectClient()
	src.Runtime = e.dialect.runtime
	cfg := defaultConfig
	spec := faas.FunctionSpec{Runtime: e.dialect.runtime, Config: &cfg}
	if c.Capabilities().Archives {
		a, err := packaging.Build(src)
		must(e.t, err)
		defer a.Close()
		spec.Code = a
	} else {
		single, err := packaging.ReadSingleFile(src, "requirements.txt")
		must(e.t, err)
		spec.CodeText, spec.Requirements = single.Code, single.Requirements
	}
	if set != nil {
		set(&spec)
	}
	f, err := c.CreateFunction(ctx, &faas.CreateFunctionRequest{Name: name, FunctionSpec: spec})
	must(e.t, err)
	if deployed {
		_, err = c.WaitForDeploy(ctx, f.ID, faas.DefaultPoll)
		must(e.t, err)
	}
	return f.ID
}
