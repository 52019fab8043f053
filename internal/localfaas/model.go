// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"maps"
	"slices"
	"time"
)

// Function statuses, as the contract names them.
const (
	StatusDeploying = "Deploying"
	StatusRunning   = "Running"
	StatusFailed    = "Failed"
	StatusDeleting  = "Deleting"
)

// Config is a function's config object.
type Config struct {
	MemoryMB       int
	TimeoutSeconds int
	Replicas       int
	HardwareType   string
	MinScale       int
	MaxScale       int
}

// Function is a stored function: every field of the contract's function
// object, plus the decoded code archive. Secrets holds the names of the
// secrets it binds. InvokeURL is the one computed for the request that
// created the function; HTTP answers compute it afresh from the address each
// request reached. CreateRequestID is the Idempotency-Key of the POST that
// created it ("" when it had none). Code is the text of the one handler file
// a MyAccount create or update sent, which CodeArchive then holds with the
// requirements file and CodeSHA256 hashes; it is "" for code sent as an
// archive.
type Function struct {
	ID              string
	Name            string
	Namespace       string
	Runtime         string
	Template        string
	HandlerFunction string
	Requirements    string
	Config          Config
	Environment     map[string]string
	Secrets         []string
	Labels          map[string]string
	Annotations     map[string]string
	InvokeURL       string
	Status          string
	ErrorMessage    string
	Version         string
	CodeSHA256      string
	InvocationCount int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	CodeArchive     []byte
	CreateRequestID string
	Code            string
}

// clone returns a deep copy, never holding nil maps or slices.
func (f Function) clone() Function {
	f.Environment = cloneMap(f.Environment)
	f.Labels = cloneMap(f.Labels)
	f.Annotations = cloneMap(f.Annotations)
	f.Secrets = cloneList(f.Secrets)
	f.CodeArchive = slices.Clone(f.CodeArchive)
	return f
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return maps.Clone(m)
}

func cloneList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return slices.Clone(l)
}

// Secret is a stored secret without its value. UpdatedAt is when its value
// was last set: CreatedAt until a PUT rotates it.
type Secret struct {
	ID        string
	Name      string
	Namespace string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Request is one entry of the request log. Path never holds the query
// string, so the API key never reaches the log. Route is the matched route
// relative to its dialect's base path, e.g. "PUT functions/{id}/config" or
// "PUT faas/handler_file/{name}/"; it is empty when no route matched.
type Request struct {
	Method string
	Path   string
	Route  string
	Status int
	Time   time.Time
}

// The wire forms, as internal/api/openapi.yaml describes them.

type wireConfig struct {
	MemoryMB       int    `json:"memory_mb"`
	TimeoutSeconds int    `json:"timeout_seconds"`
	Replicas       int    `json:"replicas"`
	HardwareType   string `json:"hardware_type"`
	MinScale       int    `json:"min_scale"`
	MaxScale       int    `json:"max_scale"`
}

type wireFunction struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	Namespace       string            `json:"namespace"`
	Runtime         string            `json:"runtime"`
	Template        string            `json:"template"`
	HandlerFunction string            `json:"handler_function"`
	Requirements    string            `json:"requirements"`
	Config          wireConfig        `json:"config"`
	Environment     map[string]string `json:"environment"`
	Secrets         []string          `json:"secrets"`
	Labels          map[string]string `json:"labels"`
	Annotations     map[string]string `json:"annotations"`
	InvokeURL       string            `json:"invoke_url"`
	Status          string            `json:"status"`
	ErrorMessage    string            `json:"error_message,omitempty"`
	Version         string            `json:"version"`
	CodeSHA256      string            `json:"code_sha256"`
	InvocationCount int64             `json:"invocation_count"`
	CreatedAt       string            `json:"created_at"`
	UpdatedAt       string            `json:"updated_at"`
	CreateRequestID string            `json:"create_request_id,omitempty"`
}

func toWire(f *Function, invokeURL string) wireFunction {
	c := f.Config
	return wireFunction{
		ID:              f.ID,
		Name:            f.Name,
		Namespace:       f.Namespace,
		Runtime:         f.Runtime,
		Template:        f.Template,
		HandlerFunction: f.HandlerFunction,
		Requirements:    f.Requirements,
		Config: wireConfig{
			MemoryMB: c.MemoryMB, TimeoutSeconds: c.TimeoutSeconds, Replicas: c.Replicas,
			HardwareType: c.HardwareType, MinScale: c.MinScale, MaxScale: c.MaxScale,
		},
		Environment:     cloneMap(f.Environment),
		Secrets:         cloneList(f.Secrets),
		Labels:          cloneMap(f.Labels),
		Annotations:     cloneMap(f.Annotations),
		InvokeURL:       invokeURL,
		Status:          f.Status,
		ErrorMessage:    f.ErrorMessage,
		Version:         f.Version,
		CodeSHA256:      f.CodeSHA256,
		InvocationCount: f.InvocationCount,
		CreatedAt:       formatTime(f.CreatedAt),
		UpdatedAt:       formatTime(f.UpdatedAt),
		CreateRequestID: f.CreateRequestID,
	}
}

type wireSecret struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	CreatedAt string `json:"created_at"`
}

func secretToWire(s Secret) wireSecret {
	return wireSecret{ID: s.ID, Name: s.Name, Namespace: s.Namespace, CreatedAt: formatTime(s.CreatedAt)}
}

// wireSecretRotation answers PUT secrets/{name}: the secret, when its value
// changed, and the functions that redeploy with it.
type wireSecretRotation struct {
	wireSecret
	UpdatedAt string   `json:"updated_at"`
	Functions []string `json:"functions"`
}

type wireLogLine struct {
	Timestamp string `json:"timestamp"`
	Stream    string `json:"stream"`
	Message   string `json:"message"`
}

type wireRequest struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Route  string `json:"route"`
	Status int    `json:"status"`
	Time   string `json:"time"`
}

// formatTime writes RFC 3339 in UTC, with the fraction of a second when there
// is one, so that two changes within a second still differ.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
