// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

// WireFunction is the faas-v1 wire form of a function, for the tests
// outside the package, which read answers with it (every answer they get
// is also checked against internal/api/openapi.yaml).
type WireFunction = wireFunction
