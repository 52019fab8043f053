// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// Dialect names one of the wire formats of the E2E FaaS API.
type Dialect string

const (
	// DialectFaaSV1 is the design's API (internal/api/openapi.yaml; see
	// DESIGN.md#api-dialects): functions by id, partial updates, secrets,
	// labels, paging, Idempotency-Key.
	DialectFaaSV1 Dialect = "faas-v1"
	// DialectMyAccount is the API E2E serves under MyAccount
	// (internal/api/myaccount.yaml): functions by name, one full update, no secrets
	// endpoints, no idempotency key.
	DialectMyAccount Dialect = "myaccount"
)

// API is what the provider needs of the E2E FaaS API, whatever the dialect.
// *Client speaks faas-v1 and *MyAccountClient speaks myaccount; each keeps its
// paths and payloads in one place. A method a dialect has no endpoint for
// answers an error matching ErrUnsupported; Capabilities says which those are,
// so the provider can refuse at plan time instead.
type API interface {
	Dialect() Dialect
	Capabilities() Capabilities

	// CreateFunction creates a function and survives a lost answer: after an
	// ambiguous failure it looks the name up and returns the function it
	// finds when that is this create's (faas-v1 with create_request_id) or,
	// with no such proof, adopts it when it matches what was sent (code,
	// runtime, memory, timeout, environment): the function then has Adopted
	// set. A name taken by another function is a *NameTakenError, and that
	// function is left as it is.
	CreateFunction(ctx context.Context, req *CreateFunctionRequest) (*Function, error)
	// GetFunction reads one function by its id (under myaccount, its name).
	// Its not-found (IsNotFound) is in the dialect's own answer format; any
	// other 404 is a *ForeignAnswerError.
	GetFunction(ctx context.Context, id string) (*Function, error)
	// ConfirmNotFound checks a not-found of GetFunction before the function
	// is taken for gone: it gives the not-found back when the endpoint
	// answers as the API otherwise (its runtime catalogue is there), a
	// *ForeignAnswerError when that is not found either, and otherwise an
	// error that does not match ErrNotFound.
	ConfirmNotFound(ctx context.Context, notFound error) error
	// FindFunction finds a function by name (and namespace, where the dialect
	// has them); ErrNotFound when there is none.
	FindFunction(ctx context.Context, name, namespace string) (*Function, error)
	// ListAllFunctions lists every function (following pages where the
	// dialect has them). Labels filtering is faas-v1 only.
	ListAllFunctions(ctx context.Context, opts ListFunctionsOptions) ([]Function, error)
	// UpdateFunction replaces every setting of the function in one call and
	// redeploys it.
	UpdateFunction(ctx context.Context, id string, req *UpdateFunctionRequest) (*Function, error)
	// The partial updates, faas-v1 only (Capabilities.PartialUpdates).
	UpdateFunctionCode(ctx context.Context, id string, req *CodeUpdate) (*Function, error)
	UpdateFunctionConfig(ctx context.Context, id string, cfg *FunctionConfig) (*Function, error)
	UpdateFunctionEnvironment(ctx context.Context, id string, req *EnvironmentUpdate) (*Function, error)
	UpdateFunctionMetadata(ctx context.Context, id string, req *MetadataUpdate) (*Function, error)
	// DeployFunction redeploys the current settings (faas-v1 only).
	DeployFunction(ctx context.Context, id string) (*Function, error)
	// DeleteFunction asks for the function's deletion; the function may
	// still be readable until WaitForDeletion returns.
	DeleteFunction(ctx context.Context, id string) (*Function, error)

	WaitForDeploy(ctx context.Context, id string, p Poll) (*Function, error)
	WaitUntilSettled(ctx context.Context, id string, p Poll) (*Function, error)
	WaitForDeletion(ctx context.Context, id string, p Poll) error

	ListRuntimes(ctx context.Context) ([]Runtime, error)

	// Secrets, faas-v1 only (Capabilities.Secrets).
	CreateSecret(ctx context.Context, req *CreateSecretRequest) (*Secret, error)
	ListSecrets(ctx context.Context) ([]Secret, error)
	// UpdateSecret rotates a secret's value in place (faas-v1 only): every
	// function that names it redeploys; the answer lists their ids.
	UpdateSecret(ctx context.Context, name, value string) (*SecretRotation, error)
	DeleteSecret(ctx context.Context, name string) error
}

// Capabilities says what a dialect's API has endpoints or fields for.
type Capabilities struct {
	// PartialUpdates: code, config, environment and metadata each have their
	// own update endpoint, and POST deploy redeploys.
	PartialUpdates bool
	// Secrets: secrets can be created, listed, rotated and deleted.
	Secrets bool
	// Archives: code is a ZIP of any number of files; without it, code is the
	// text of one handler file plus optional requirements.
	Archives bool
	// Templates, HandlerFunction, Scaling (replicas, min_scale, max_scale)
	// and Metadata (labels, annotations): a function can set them; without
	// them only their defaults are possible.
	Templates, HandlerFunction, Scaling, Metadata bool
	// Namespaces: functions live in namespaces, which answers name.
	// LabelFilter: a listing can filter by label.
	Namespaces, LabelFilter bool
	// Versions, InvocationCounts: a function's answers carry its deployed
	// version and its invocation count. Without them the provider plans
	// version and invocation_count as null, never as unknown.
	Versions, InvocationCounts bool
	// Runtimes, when not empty, are the only runtimes the dialect accepts
	// (its fixed catalogue); when empty, only the live catalogue decides.
	Runtimes []string
	// Limits are what the dialect accepts for a name, memory and timeout.
	Limits catalogue.Limits
}

// Answers says whether the dialect's function answers can carry the field:
// namespace, version and invocation count only with Namespaces, Versions
// and InvocationCounts; every other field, yes.
func (c Capabilities) Answers(field Field) bool {
	switch field {
	case FieldNamespace:
		return c.Namespaces
	case FieldVersion:
		return c.Versions
	case FieldInvocationCount:
		return c.InvocationCounts
	}
	return true
}

var (
	_ API = (*Client)(nil)
	_ API = (*MyAccountClient)(nil)
)

// Dialect is faas-v1.
func (c *Client) Dialect() Dialect { return DialectFaaSV1 }

// faasV1Runtimes is faas-v1's fixed runtime list, listed once (Capabilities
// is asked on every plan); read-only.
var faasV1Runtimes = catalogue.FaaSV1.Names()

// Capabilities of faas-v1: everything the design's API has
// (DESIGN.md#api-dialects).
func (c *Client) Capabilities() Capabilities {
	return Capabilities{
		PartialUpdates: true, Secrets: true, Archives: true,
		Templates: true, HandlerFunction: true, Scaling: true, Metadata: true, Namespaces: true, LabelFilter: true,
		Versions: true, InvocationCounts: true,
		Runtimes: faasV1Runtimes,
		Limits:   catalogue.FaaSV1Limits,
	}
}

// Dialect is myaccount.
func (c *MyAccountClient) Dialect() Dialect { return DialectMyAccount }

// Capabilities of myaccount: one full update, the text of one handler file,
// its own limits, and nothing else.
func (c *MyAccountClient) Capabilities() Capabilities {
	return Capabilities{Limits: catalogue.MyAccountLimits}
}
