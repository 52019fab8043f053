// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package localfaas is a local implementation of the E2E Functions-as-a-Service
// API in both its dialects, faas-v1 (internal/api/openapi.yaml) and MyAccount
// (internal/api/myaccount.yaml): an http.Handler over one in-memory store, so that the
// provider can be tested and demonstrated without an account.
//
// [New] returns a [Server] configured by [Options]. It serves the faas-v1
// endpoints under /faas/api/v1/ and the MyAccount ones under
// /myaccount/api/v1/faas/, over the same functions; each function's
// invoke_url under /faas/function/v1/; and, with the same credentials,
// admin routes under /_local/ for tests and demos, which [Server] also
// offers as Go methods. Deploys and deletes take [Options.DeployDelay] and
// [Options.DeleteDelay], settled lazily on the next access rather than by a
// goroutine. With [Options.Runner] (package runner) deployed functions run as
// local processes behind their invoke_url. A fault layer (package faults)
// hooks into every API route and every deploy to inject reproducible faults.
//
// The documents are the contract. Why the server exists is in DESIGN.md
// (DESIGN.md#the-local-server) at the root of the repository; what it adds
// to the documents (the route families, the console, the lazy lifecycle,
// the admin routes, the fault layer's two hooks and its configuration) is
// in this package's README.md; how functions run and what their invoke_url
// answers is in LOCAL_RUNTIMES.md.
package localfaas
