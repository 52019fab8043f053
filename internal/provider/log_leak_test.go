// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

// A full apply and destroy through the real provider binary with TF_LOG=TRACE,
// with a secret, environment values, an API key and a token: none of them
// appears in the log, in the state's non-sensitive attributes, or in any
// output or error message (a failing deploy is part of the run).
func TestAccNoSecretsInLogsOrState(t *testing.T) {
	t.Parallel()
	secretValue, woValue := "secret-"+randomHex(t, 16), "wo-"+randomHex(t, 16)
	rotatedValue, rotatedWO := "secret2-"+randomHex(t, 16), "wo2-"+randomHex(t, 16)
	envValue := "envval-" + randomHex(t, 16)
	session := newTraceSession(t, api.BasePath, "TF_VAR_db_password="+secretValue, "TF_VAR_token="+woValue)
	woVersion := 1
	config := func(failing bool) string {
		code := `def handle(event, context):\n    return 'ok'\n`
		return fmt.Sprintf(`
terraform {
  required_providers {
    e2e = { source = "e2eterraformprovider/e2e" }
  }
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "token" {
  type      = string
  ephemeral = true
}

resource "e2e_faas_secret" "db" {
  name  = "db-password"
  value = var.db_password
}

resource "e2e_faas_secret" "wo" {
  name             = "api-token"
  value_wo         = var.token
  value_wo_version = %d
}

resource "e2e_faas_function" "app" {
  name        = "leak-check"
  runtime     = "python3.11"
  code_inline = "%s"
  secrets     = [e2e_faas_secret.db.name, e2e_faas_secret.wo.name]
  environment = { DB_URL = %q }
  config {
    memory_mb = %d
  }
}
`, woVersion, code, envValue, map[bool]int{false: 128, true: 256}[failing])
	}
	session.apply(config(false))
	// Both secrets rotated in place: the new values are checked too.
	woVersion = 2
	session.extraEnv = []string{"TF_VAR_db_password=" + rotatedValue, "TF_VAR_token=" + rotatedWO}
	session.apply(config(false))
	if got, _ := session.server.SecretValue("e2e-faas-local-dl", "api-token"); got != rotatedWO {
		t.Fatalf("the write-only secret was not rotated")
	}
	state, logs := session.failUpdateThenDestroy(config(true))
	if !bytes.Contains(logs, []byte("E2E FaaS API request")) {
		t.Fatalf("the trace log has no provider request lines: the check would prove nothing")
	}
	session.noLeaks(logs, state, map[string]string{"secret value": secretValue, "write-only value": woValue, "environment value": envValue,
		"rotated secret value": rotatedValue, "rotated write-only value": rotatedWO})
	if runtime.GOOS == "linux" && !bytes.Contains(state, []byte(rotatedValue)) {
		// value (not value_wo) is meant to be in state, marked sensitive;
		// not finding it means the state check looked at the wrong file.
		t.Errorf("the state does not hold the sensitive value attribute at all")
	}
}

// nonSensitiveOccurrence returns the attribute holding v that state does not
// mark sensitive, or "".
func nonSensitiveOccurrence(t *testing.T, state []byte, v string) string {
	t.Helper()
	var doc struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				Attributes          map[string]any `json:"attributes"`
				SensitiveAttributes []any          `json:"sensitive_attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	must(t, json.Unmarshal(state, &doc))
	for _, r := range doc.Resources {
		for _, inst := range r.Instances {
			sensitive := map[string]bool{}
			for _, p := range inst.SensitiveAttributes {
				raw, _ := json.Marshal(p)
				// Paths are lists of steps; the first step names the attribute.
				var steps []struct {
					Value string `json:"value"`
				}
				if json.Unmarshal(raw, &steps) == nil && len(steps) > 0 {
					sensitive[steps[0].Value] = true
				}
			}
			for name, val := range inst.Attributes {
				raw, _ := json.Marshal(val)
				if strings.Contains(string(raw), v) && !sensitive[name] {
					return r.Type + "." + name
				}
			}
		}
	}
	return ""
}

// The same through the MyAccount API: the API key, the token and an
// environment value never reach the TRACE log, terraform's output or a
// non-sensitive state attribute, through apply, a failing update and destroy.
func TestAccNoSecretsInLogsOrState_myAccount(t *testing.T) {
	t.Parallel()
	envValue := "envval-" + randomHex(t, 16)
	session := newTraceSession(t, api.MyAccountBasePath, "E2E_PROJECT_ID=12345")
	config := func(memory int) string {
		return fmt.Sprintf(`
terraform {
  required_providers {
    e2e = { source = "e2eterraformprovider/e2e" }
  }
}

resource "e2e_faas_function" "app" {
  name        = "leak-check"
  runtime     = "python3-http-debian"
  code_inline = "def handle(event, context):\n    return 'ok'\n"
  secrets     = ["db-password"]
  environment = { DB_URL = %q }
  config {
    memory_mb = %d
  }
}
`, envValue, memory)
	}
	session.apply(config(128))
	state, logs := session.failUpdateThenDestroy(config(256))
	if !bytes.Contains(logs, []byte("E2E FaaS API request")) || !bytes.Contains(logs, []byte("faas/handler_file/")) {
		t.Fatalf("the trace log has no MyAccount request lines: the check would prove nothing")
	}
	session.noLeaks(logs, state, map[string]string{"environment value": envValue})
}

// noLeaks fails for the credentials and each value (named by what it is)
// found in the TRACE log, in terraform's output, or in a non-sensitive
// attribute of the state.
func (s *traceSession) noLeaks(logs, state []byte, values map[string]string) {
	s.t.Helper()
	values["API key"], values["auth token"] = s.key, s.token
	for what, v := range values {
		if bytes.Contains(logs, []byte(v)) {
			s.t.Errorf("the %s appears in the TRACE log", what)
		}
		if strings.Contains(s.output.String(), v) {
			s.t.Errorf("the %s appears in terraform's output", what)
		}
		if where := nonSensitiveOccurrence(s.t, state, v); where != "" {
			s.t.Errorf("the %s appears in the state's non-sensitive attribute %s", what, where)
		}
	}
}

// traceSession drives terraform through the built provider in one
// workspace, with its TRACE log in one file and all its output kept,
// against a local server of its own with random credentials.
type traceSession struct {
	t          *testing.T
	server     *localfaas.Server
	key, token string
	ws         *cliWorkspace
	logPath    string
	extraEnv   []string
	output     bytes.Buffer
}

// newTraceSession starts the server and a workspace whose terraform logs at
// TRACE and reaches the server's API under basePath, with env added to its
// environment.
func newTraceSession(t *testing.T, basePath string, env ...string) *traceSession {
	key, token := "key-"+randomHex(t, 16), "token-"+randomHex(t, 16)
	server := localfaas.New(localfaas.Options{APIKey: key, AuthToken: token})
	ts := httptest.NewServer(server)
	t.Cleanup(ts.Close)
	ws := newCLIWorkspace(t, append([]string{"TF_LOG=TRACE", "E2E_API_ENDPOINT=" + ts.URL + basePath, "E2E_API_KEY=" + key, "E2E_AUTH_TOKEN=" + token}, env...)...)
	return &traceSession{t: t, server: server, key: key, token: token, ws: ws, logPath: filepath.Join(ws.dir, "trace.log")}
}

func (s *traceSession) run(wantErr bool, args ...string) {
	s.t.Helper()
	out, code := s.ws.run(append([]string{"TF_LOG_PATH=" + s.logPath}, s.extraEnv...), args...)
	s.output.WriteString(out)
	if (code != 0) != wantErr {
		s.t.Fatalf("terraform %v: exit %d, want error %v\n%s", args, code, wantErr, out)
	}
}

// apply applies the configuration and expects it to succeed.
func (s *traceSession) apply(config string) {
	s.t.Helper()
	s.ws.writeConfig(config)
	s.run(false, "apply", "-auto-approve", "-no-color")
}

// failUpdateThenDestroy applies a configuration whose deploy fails (so an
// error message is checked too), keeps the state as it then is, destroys
// everything, and returns that state and the TRACE log.
func (s *traceSession) failUpdateThenDestroy(failing string) (state, logs []byte) {
	s.t.Helper()
	s.server.FailNextDeploy("deploy failed for a reason")
	s.ws.writeConfig(failing)
	s.run(true, "apply", "-auto-approve", "-no-color")
	if !strings.Contains(s.output.String(), "deploy failed for a reason") {
		s.t.Fatalf("the failing apply did not report the deploy error:\n%s", s.output.String())
	}
	state, err := os.ReadFile(filepath.Join(s.ws.work, "terraform.tfstate"))
	must(s.t, err)
	s.run(false, "destroy", "-auto-approve", "-no-color")
	logs, err = os.ReadFile(s.logPath)
	must(s.t, err)
	return state, logs
}
