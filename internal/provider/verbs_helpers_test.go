// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner/runnertest"
)

// Terraform 1.14's verbs (the action, the list resource, terraform query)
// and resource identity (1.12) need a newer terraform than the 1.11 the
// rest of the suite runs with. Their tests run with Terraform 1.15.9 from
// ../shared/tools next to the module root, and skip without it, except
// under CI, where they fail.

// verbsTerraformRel is where that terraform is, relative to the module root.
var verbsTerraformRel = filepath.Join("..", "shared", "tools", "terraform-v1.15.9", "terraform")

// verbsTerraform points this test at Terraform 1.15.9 through
// TF_ACC_TERRAFORM_PATH, which terraform-plugin-testing reads at the start
// of each test and newCLIWorkspace's runs read at each run. t.Setenv makes
// the test sequential: Go runs it while every parallel test (all on 1.11)
// waits, so none of them sees the other binary.
func verbsTerraform(t *testing.T) {
	t.Helper()
	t.Setenv("TF_ACC_TERRAFORM_PATH", requireVerbsTerraform(t))
}

// requireVerbsTerraform is the path of Terraform 1.15.9, or a skip (a
// failure under CI) that says how to get it.
func requireVerbsTerraform(t *testing.T) string {
	t.Helper()
	acceptance(t)
	bin, err := findVerbsTerraform()
	if err != nil {
		why := fmt.Sprintf("this test needs Terraform 1.15.9 (actions, list resources, terraform query, identity) at %s "+
			"relative to the module root (or TERRAFORM_VERBS): build it from hashicorp/terraform at tag v1.15.9 (see ../shared/tools/README.md) and put it there (%v)",
			verbsTerraformRel, err)
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set and " + why)
		}
		t.Skip(why)
	}
	return bin
}

// findVerbsTerraform looks for the binary from the module root, which is
// the nearest directory above the working directory holding go.mod, unless
// TERRAFORM_VERBS names it (as it does for scripts/docs.sh).
func findVerbsTerraform() (string, error) {
	if bin := os.Getenv("TERRAFORM_VERBS"); bin != "" {
		return executable(bin)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
	return executable(filepath.Join(dir, verbsTerraformRel))
}

func executable(bin string) (string, error) {
	info, err := os.Stat(bin)
	if err != nil {
		return "", err
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", bin)
	}
	return bin, nil
}

// runningDialectEnv is a test server of the dialect that runs functions;
// the test skips when the dialect's runtime cannot run here.
func runningDialectEnv(t *testing.T, d dialectCase) *testEnv {
	t.Helper()
	acceptance(t)
	workDir := t.TempDir()
	r, err := runner.New(runner.Options{WorkDir: workDir, PipFlags: []string{"--no-index"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Runs(d.runtime, "http"); err != nil {
		_ = r.Close()
		t.Skipf("skipped: %v", err)
	}
	env := newDialectTestEnv(t, d, nil, func(o *localfaas.Options) { o.Runner = r })
	env.runnerDir = workDir
	t.Cleanup(func() {
		env.server.Close()
		_ = r.Close()
		runnertest.NoneLeft(t, workDir)
	})
	return env
}

// verbsWorkspace is a CLI workspace on Terraform 1.15.9 whose provider
// talks to env's server.
func verbsWorkspace(t *testing.T, env *testEnv) *cliWorkspace {
	t.Helper()
	verbsTerraform(t)
	return verbsWorkspaceOn(t, env)
}

// mustRun runs terraform in the workspace and fails the test unless it
// exits with want; it returns the output.
func (w *cliWorkspace) mustRun(want int, args ...string) string {
	w.t.Helper()
	out, code := w.run(nil, append(args, "-no-color")...)
	if code != want {
		w.t.Fatalf("terraform %v: exit %d, want %d\n%s", args, code, want, out)
	}
	return out
}

// verbsProviderBlock is the terraform block the CLI workspaces need: the
// provider's own address, which dev_overrides points at the built binary.
const verbsProviderBlock = `terraform {
  required_providers {
    e2e = { source = "e2eterraformprovider/e2e" }
  }
}
`
