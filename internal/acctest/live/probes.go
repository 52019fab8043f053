// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/conformance"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

func decodeJSON(r io.Reader, v any) error {
	return json.NewDecoder(io.LimitReader(r, 64<<20)).Decode(v)
}

// ProbeCode is the handler the probes deploy: the OpenFaaS python3-http
// template's contract, which E2E's Python runtime runs.
const ProbeCode = "def handle(event, context):\n    return {\"statusCode\": 200, \"body\": \"probe\"}\n"

// Probes sends the requests that show the assumptions the provider's own
// traffic may never show (conformance.Probe*): a read of a function that
// does not exist, a create of a name already taken, an update while a
// deploy runs; and it reads the catalogue and the list. It makes one
// function of runtime (a CPU runtime of the catalogue), named by name,
// and deletes it again (the caller also registers the clean-up, for a run
// cut short). A difference from an assumption is not an error: the report
// shows it. Errors are what kept a probe from running.
func (s *Session) Probes(ctx context.Context, name, runtime string) error {
	if !Ours(name) {
		return fmt.Errorf("probe name %q lacks the prefix %s", name, Prefix)
	}
	if _, _, err := s.raw(ctx, "", http.MethodGet, "faas/runtimes/", ""); err != nil {
		return err
	}
	if _, _, err := s.raw(ctx, conformance.ProbeNotFound, http.MethodGet, "faas/function/"+name+"-none/", ""); err != nil {
		return err
	}
	create, _ := json.Marshal(map[string]any{
		"function": name, "runtime": runtime, "arguments": map[string]any{}, "code": ProbeCode,
		"memory": 128, "timeout": 15, "params": map[string]any{}, "requirements": "",
		"environment_variables": map[string]string{}, "secrets": []string{}, "node_type": "cpu",
	})
	release := func(string) {}
	if s.HoldDeploys != nil {
		release = s.HoldDeploys()
	}
	status, code, err := s.raw(ctx, "", http.MethodPost, "faas/functions/", string(create))
	if err != nil {
		release(name)
		return err
	}
	if status >= 400 || code >= 400 {
		release(name)
		return fmt.Errorf("the probe's create of %s was refused (HTTP %d, body code %d); see the report", name, status, code)
	}
	// The update right after the create, while the deploy runs, when the
	// function still says so.
	fn, err := s.Client.GetFunction(ctx, name)
	switch {
	case err != nil:
		release(name)
		return err
	case fn.Status == faas.StatusDeploying:
		update, _ := json.Marshal(map[string]any{
			"code": ProbeCode, "params": map[string]any{}, "requirements": "",
			"environment_variables": map[string]string{"PROBE": "1"}, "secrets": []string{}, "memory": 128, "timeout": 15,
		})
		_, _, err = s.raw(ctx, conformance.ProbeUpdateWhileDeploying, http.MethodPut, "faas/handler_file/"+name+"/", string(update))
	default:
		s.Recorder.Note("the probe's function %s read %s right after its create, so no update could be sent while it deployed", name, fn.Status)
	}
	release(name)
	if err != nil {
		return err
	}
	if _, _, err := s.raw(ctx, conformance.ProbeNameTaken, http.MethodPost, "faas/functions/", string(create)); err != nil {
		return err
	}
	if _, _, err := s.raw(ctx, "", http.MethodGet, "faas/functions/", ""); err != nil {
		return err
	}
	if _, err := s.Client.WaitUntilSettled(ctx, name, faas.DefaultPoll); err != nil && !faas.IsNotFound(err) {
		return fmt.Errorf("wait for the probe's function %s: %w", name, err)
	}
	if err := s.Delete(ctx, name); err != nil {
		return err
	}
	// A function just deleted is the other way to read one that is not there.
	if _, _, err := s.raw(ctx, conformance.ProbeNotFound, http.MethodGet, "faas/function/"+name+"/", ""); err != nil && !errors.Is(err, errNoAnswer) {
		return err
	}
	return nil
}

// CPURuntime picks the runtime the tests deploy from the live catalogue:
// the built-in Python one when offered, else the first CPU runtime whose
// requirements file is requirements.txt (a Python one, whose handler
// contract the tests' code follows).
func CPURuntime(rts []faas.Runtime) (string, error) {
	var names []string
	pick := ""
	for _, rt := range rts {
		names = append(names, rt.Name)
		if !strings.Contains(strings.Join(rt.Hardware, ","), "cpu") {
			continue
		}
		if rt.Name == "python3-http-debian" {
			return rt.Name, nil
		}
		if pick == "" && rt.RequirementsFile == "requirements.txt" {
			pick = rt.Name
		}
	}
	if pick == "" {
		return "", fmt.Errorf("the catalogue offers no Python runtime on cpu: %s", strings.Join(names, ", "))
	}
	return pick, nil
}
