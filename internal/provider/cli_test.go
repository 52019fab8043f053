// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Some tests drive the real provider binary through the terraform CLI, as a
// user does (TF_LOG capture, repeated applies under faults).

var (
	providerBinOnce sync.Once
	providerBinDir  string
	providerBinErr  error
)

// providerBinary builds the provider once per test process and returns the
// directory holding it.
func providerBinary(t *testing.T) string {
	t.Helper()
	providerBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "provider-bin") //nolint:usetesting // built once for every test of the process; a t.TempDir would go with the first test
		if err != nil {
			providerBinErr = err
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-e2e"), "../..").CombinedOutput()
		if err != nil {
			providerBinErr = fmt.Errorf("building the provider: %v\n%s", err, out)
			return
		}
		providerBinDir = dir
	})
	if providerBinErr != nil {
		t.Fatal(providerBinErr)
	}
	return providerBinDir
}

// cliWorkspace is a working directory with a CLI configuration whose
// dev_overrides point at the built provider.
type cliWorkspace struct {
	t    *testing.T
	dir  string
	work string
	env  []string
	// terraform, when set, is the terraform binary of this workspace's
	// runs; else TF_ACC_TERRAFORM_PATH at each run.
	terraform string
}

// newCLIWorkspace makes a workspace whose terraform runs get env on top of
// the process environment; it skips the test when there is no terraform.
func newCLIWorkspace(t *testing.T, env ...string) *cliWorkspace {
	t.Helper()
	acceptance(t)
	bin := providerBinary(t)
	dir := t.TempDir()
	rc := filepath.Join(dir, "terraformrc")
	must(t, os.WriteFile(rc, []byte(fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/e2eterraformprovider/e2e" = %q
  }
  direct {}
}
`, bin)), 0o600))
	work := filepath.Join(dir, "work")
	must(t, os.MkdirAll(work, 0o755))
	base := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	return &cliWorkspace{t: t, dir: dir, work: work, env: append(base, env...)}
}

func (w *cliWorkspace) writeConfig(hcl string) {
	w.t.Helper()
	must(w.t, os.WriteFile(filepath.Join(w.work, "main.tf"), []byte(hcl), 0o644))
}

// run runs terraform and returns its combined output and exit code.
func (w *cliWorkspace) run(extraEnv []string, args ...string) (string, int) {
	w.t.Helper()
	bin := w.terraform
	if bin == "" {
		bin = os.Getenv("TF_ACC_TERRAFORM_PATH")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = w.work
	cmd.Env = append(append([]string{}, w.env...), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		if exit, ok := err.(*exec.ExitError); ok {
			return out.String(), exit.ExitCode()
		}
		w.t.Fatalf("running terraform: %v", err)
	}
	return out.String(), 0
}
