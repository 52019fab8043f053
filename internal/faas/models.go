// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import "io"

// The wire format of the E2E FaaS API. These types are the one place the
// provider spells field names; internal/api/openapi.yaml is checked against them by
// the package tests.

// Function statuses.
const (
	StatusDeploying = "Deploying"
	StatusRunning   = "Running"
	StatusFailed    = "Failed"
	StatusDeleting  = "Deleting"
)

// FunctionConfig is the config object. Every field is always sent: zero is a
// meaningful min_scale.
type FunctionConfig struct {
	MemoryMB       int64  `json:"memory_mb"`
	TimeoutSeconds int64  `json:"timeout_seconds"`
	Replicas       int64  `json:"replicas"`
	HardwareType   string `json:"hardware_type"`
	MinScale       int64  `json:"min_scale"`
	MaxScale       int64  `json:"max_scale"`
}

// Function is the function object returned by create, get, list, updates and
// operations. A create response may carry only id, name, namespace, status and
// created_at.
type Function struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	Namespace       string            `json:"namespace"`
	Runtime         string            `json:"runtime,omitempty"`
	Template        string            `json:"template,omitempty"`
	HandlerFunction string            `json:"handler_function,omitempty"`
	Requirements    string            `json:"requirements,omitempty"`
	Config          *FunctionConfig   `json:"config,omitempty"`
	Environment     map[string]string `json:"environment,omitempty"`
	Secrets         []string          `json:"secrets,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
	Annotations     map[string]string `json:"annotations,omitempty"`
	InvokeURL       string            `json:"invoke_url,omitempty"`
	Status          string            `json:"status"`
	ErrorMessage    string            `json:"error_message,omitempty"`
	Version         string            `json:"version,omitempty"`
	CodeSHA256      string            `json:"code_sha256,omitempty"`
	InvocationCount int64             `json:"invocation_count,omitempty"`
	CreatedAt       string            `json:"created_at,omitempty"`
	UpdatedAt       string            `json:"updated_at,omitempty"`
	// CreateRequestID is the Idempotency-Key of the POST that created the
	// function, when the API reports it.
	CreateRequestID string `json:"create_request_id,omitempty"`

	// Code is the text of the one handler file, where the dialect answers
	// with it (myaccount); CodeSHA256 is then its SHA-256.
	Code string `json:"-"`
	// Fields, when not nil, lists the fields the answer carried (myaccount
	// answers with an unpublished subset); nil means the full faas-v1 object.
	Fields map[Field]bool `json:"-"`
	// Adopted is set by CreateFunction when the function was found after an
	// ambiguous failure rather than answered by the create itself, and
	// matched the request: its code, runtime, hardware, memory, timeout,
	// environment and (where carried) requirements and secrets are the
	// request's. Settings it was not compared on (faas-v1's template,
	// handler, scaling, labels and annotations) may differ, for the caller
	// to bring to the request.
	Adopted bool `json:"-"`
}

// Field names a setting a function answer may or may not carry.
type Field string

// The fields a partial (myaccount) answer may carry.
const (
	FieldRuntime      Field = "runtime"
	FieldRequirements Field = "requirements"
	FieldEnvironment  Field = "environment"
	FieldSecrets      Field = "secrets"
	FieldMemory       Field = "memory_mb"
	FieldTimeout      Field = "timeout_seconds"
	FieldHardware     Field = "hardware_type"
	FieldCode         Field = "code"
	FieldInvokeURL    Field = "invoke_url"
)

// The fields only some dialects answer with, per [Capabilities.Answers]:
// no myaccount answer carries them.
const (
	FieldNamespace       Field = "namespace"
	FieldVersion         Field = "version"
	FieldInvocationCount Field = "invocation_count"
)

// Complete reports whether the object carries the full set of fields, as
// opposed to the short create response.
func (f *Function) Complete() bool {
	return f.Runtime != "" && f.Config != nil
}

// Carries reports whether the answer carried the field: always for a
// complete faas-v1 object, and per Fields for a partial one.
func (f *Function) Carries(field Field) bool {
	if f.Fields == nil {
		return f.Complete()
	}
	return f.Fields[field]
}

// Archive is function code: a ZIP the client base64-encodes into the request
// body while it is sent. Open may be called once per attempt.
type Archive interface {
	Open() (io.ReadCloser, error)
}

// FunctionSpec is every setting of a function but its name: what a create
// sets and what the one full update replaces. Code is sent as code_archive.
type FunctionSpec struct {
	Runtime         string  `json:"runtime"`
	Template        string  `json:"template,omitempty"`
	HandlerFunction string  `json:"handler_function,omitempty"`
	Code            Archive `json:"-"`
	// CodeText is the handler file's text, for dialects without archives
	// (myaccount); Code is used otherwise.
	CodeText string `json:"-"`
	// CodeSHA256 is what code_sha256 says once this code is deployed: the
	// archive's SHA-256, or the text's (computed from CodeText when
	// empty). CreateFunction compares it with a function it finds after a
	// lost answer; without it no such function is adopted.
	CodeSHA256   string            `json:"-"`
	Requirements string            `json:"requirements,omitempty"`
	Config       *FunctionConfig   `json:"config,omitempty"`
	Environment  map[string]string `json:"environment"`
	Secrets      []string          `json:"secrets"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
}

// CreateFunctionRequest is the body of POST functions: the name and the
// spec.
type CreateFunctionRequest struct {
	// IdempotencyKey identifies this create across retries; CreateFunction
	// makes one when it is empty.
	IdempotencyKey string `json:"-"`
	Name           string `json:"name"`
	FunctionSpec
}

// UpdateFunctionRequest is the body of PUT functions/{id}: the spec, as the
// name cannot change.
type UpdateFunctionRequest = FunctionSpec

// CodeUpdate is the body of PUT functions/{id}/code.
type CodeUpdate struct {
	Code            Archive `json:"-"`
	Requirements    string  `json:"requirements"`
	HandlerFunction string  `json:"handler_function,omitempty"`
	Template        string  `json:"template,omitempty"`
}

// EnvironmentUpdate is the body of PUT functions/{id}/environment.
type EnvironmentUpdate struct {
	Environment map[string]string `json:"environment"`
	Secrets     []string          `json:"secrets"`
}

// MetadataUpdate is the body of PUT functions/{id}/metadata.
type MetadataUpdate struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// ListFunctionsOptions selects functions for GET functions.
type ListFunctionsOptions struct {
	Name    string
	Labels  map[string]string
	Page    int
	PerPage int
}

// FunctionList is one page of GET functions.
type FunctionList struct {
	Functions []Function `json:"functions"`
	Total     int        `json:"total"`
	Page      int        `json:"page"`
	PerPage   int        `json:"per_page"`
}

// CreateSecretRequest is the body of POST secrets. Value never leaves the
// client in any error or log.
type CreateSecretRequest struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	Namespace string `json:"namespace,omitempty"`
}

// Secret is a secret as the API describes it: never with its value.
type Secret struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	CreatedAt string `json:"created_at"`
}

// SecretRotation is the answer to PUT secrets/{name}: the secret (never its
// value), when its value was set, and the ids of the functions that redeploy
// with it.
type SecretRotation struct {
	Secret
	UpdatedAt string   `json:"updated_at"`
	Functions []string `json:"functions"`
}

// Runtime is one entry of the runtime catalogue.
type Runtime struct {
	Name      string   `json:"name"`
	Version   string   `json:"version"`
	Templates []string `json:"templates"`
	Hardware  []string `json:"hardware"`
	// RunsLocally is e2e-faas-local's extension: whether it can run the
	// runtime on this machine. Absent (nil) from E2E itself.
	RunsLocally *bool `json:"runs_locally,omitempty"`

	// The myaccount catalogue's extras: the starter handler (boiler_code),
	// the requirements file's name (label, such as requirements.txt) and its
	// starter content (requirements_code). Empty under faas-v1.
	BoilerCode       string `json:"-"`
	RequirementsFile string `json:"-"`
	RequirementsCode string `json:"-"`
}

type secretListBody struct {
	Secrets []Secret `json:"secrets"`
}

type runtimeListBody struct {
	Runtimes []Runtime `json:"runtimes"`
}

// secretValueBody is the body of PUT secrets/{name}: the new value alone.
type secretValueBody struct {
	Value string `json:"value"`
}
