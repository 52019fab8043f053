// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package runner runs E2E FaaS functions on this machine, for the local
// server (package localfaas): each deployed version is unpacked into its own
// directory, its requirements installed there with the runtime's package
// tool (pip --target, npm install), compiled when the runtime needs it (go
// build), and served by Spec.Replicas worker processes on 127.0.0.1, behind
// an http.Handler that spreads calls over them round robin.
//
// The workers are the programs in templates/: a Python server for the http
// (standard library), flask and fastapi templates, a Node.js server for http
// and node, and a generated main package for Go. Each reports "ready <port>"
// (or "error <message>") on file descriptor 3. Their output, line by line,
// goes to Spec.Log. The handler contracts are in LOCAL_RUNTIMES.md at the
// root of the repository.
//
// Every process runs in a process group of its own, which Stop kills; on
// Linux the server is also a child subreaper and tags every process it
// starts, so that what a handler starts, however it detaches (setsid, a
// double fork), ends with its worker, its deployment and the server (see
// tracker.go); a worker also dies with the server. A worker that exits is
// started again, with a backoff when it keeps crashing; one that is still
// busy with a call when the call's timeout passes is killed and replaced.
// Functions run as the server's own user, with no sandbox: the runner runs
// whatever code it is given.
//
// The package imports neither the provider nor the API client, nor
// localfaas: it knows only Spec.
package runner
