// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"net/http"
	"strings"
)

// The MyAccount dialect's wire, as internal/api/myaccount.yaml describes it: every
// answer is an envelope, requests carry exactly the keys below, and functions
// are addressed by name.

// Request body keys.
var (
	myAccountCreateFields = []string{"function", "runtime", "arguments", "code", "memory", "timeout", "params",
		"requirements", "environment_variables", "secrets", "node_type"}
	myAccountUpdateFields = []string{"code", "params", "requirements", "environment_variables", "secrets", "memory", "timeout"}
	myAccountDeleteFields = []string{"function"}
)

// myAccountEnvelope is every answer of the dialect.
type myAccountEnvelope struct {
	Code    int         `json:"code"`
	Data    any         `json:"data"`
	Errors  fieldErrors `json:"errors"`
	Message string      `json:"message"`
}

// myAccountFunction is the function object. Name and status are always there; the
// rest is omitted in sparse answers (Options.MyAccountSparse), so pointers
// and slices tell "absent" from "empty".
type myAccountFunction struct {
	Name                 string             `json:"name"`
	Status               string             `json:"status"`
	Runtime              string             `json:"runtime,omitempty"`
	NodeType             string             `json:"node_type,omitempty"`
	URL                  string             `json:"url,omitempty"`
	Memory               *int               `json:"memory,omitempty"`
	Timeout              *int               `json:"timeout,omitempty"`
	Code                 *string            `json:"code,omitempty"`
	Requirements         *string            `json:"requirements,omitempty"`
	EnvironmentVariables *map[string]string `json:"environment_variables,omitempty"`
	Secrets              *[]string          `json:"secrets,omitempty"`
	ErrorMessage         string             `json:"error_message,omitempty"`
	CreatedAt            string             `json:"created_at,omitempty"`
	UpdatedAt            string             `json:"updated_at,omitempty"`
}

// myAccountSummary is an element of the list answer.
type myAccountSummary struct {
	Name    string `json:"name"`
	Runtime string `json:"runtime"`
	Status  string `json:"status"`
	URL     string `json:"url"`
}

// myAccountRuntimeInfo is an element of the runtime catalogue.
type myAccountRuntimeInfo struct {
	Runtime          string `json:"runtime"`
	NodeType         string `json:"node_type"`
	BoilerCode       string `json:"boiler_code"`
	Label            string `json:"label"`
	RequirementsCode string `json:"requirements_code"`
}

// myAccountStatus is a status as the dialect writes it: lowercase.
func myAccountStatus(status string) string { return strings.ToLower(status) }

// toMAFunction is the full function object of f; code is absent for a
// function whose code was sent as an archive (through faas-v1).
func toMAFunction(f *Function, url string) myAccountFunction {
	out := myAccountFunction{
		Name: f.Name, Status: myAccountStatus(f.Status), Runtime: f.Runtime, NodeType: f.Config.HardwareType, URL: url,
		Memory: &f.Config.MemoryMB, Timeout: &f.Config.TimeoutSeconds, Requirements: &f.Requirements,
		EnvironmentVariables: new(cloneMap(f.Environment)), Secrets: new(cloneList(f.Secrets)),
		CreatedAt: formatTime(f.CreatedAt), UpdatedAt: formatTime(f.UpdatedAt),
	}
	if f.Code != "" {
		out.Code = &f.Code
	}
	if f.Status == StatusFailed {
		out.ErrorMessage = f.ErrorMessage
	}
	return out
}

// toMASparse is the function object as E2E may answer it: name, runtime,
// status and url alone.
func toMASparse(f *Function, url string) myAccountFunction {
	return myAccountFunction{Name: f.Name, Status: myAccountStatus(f.Status), Runtime: f.Runtime, URL: url}
}

func toMASummary(f *Function, url string) myAccountSummary {
	return myAccountSummary{Name: f.Name, Runtime: f.Runtime, Status: myAccountStatus(f.Status), URL: url}
}

// isMyAccount reports whether the request addresses the MyAccount dialect.
func isMyAccount(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, myAccountPrefix)
}

// writeMyAccountOK answers success: HTTP 200 and body code 200, as E2E's
// CLI expects of every call that worked.
func writeMyAccountOK(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, myAccountEnvelope{Code: http.StatusOK, Data: data, Errors: fieldErrors{}, Message: "Success"})
}

// writeMyAccountError answers a failure with the same status in the body.
func writeMyAccountError(w http.ResponseWriter, status int, message string, fields fieldErrors) {
	if fields == nil {
		fields = fieldErrors{}
	}
	writeJSON(w, status, myAccountEnvelope{Code: status, Errors: fields, Message: message})
}

// writeMyAccountNotFound answers a name the project has no function of: HTTP
// 200, body code 404, as E2E's API does.
func writeMyAccountNotFound(w http.ResponseWriter, name, ns string) {
	writeJSON(w, http.StatusOK, myAccountEnvelope{Code: http.StatusNotFound, Errors: fieldErrors{},
		Message: "function \"" + name + "\" not found in namespace " + ns})
}
