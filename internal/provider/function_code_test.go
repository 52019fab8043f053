// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func codePathConfig(env *testEnv, dir string, extra string) string {
	return env.config(`
resource "e2e_faas_function" "test" {
  name      = "from-dir"
  runtime   = "python3.11"
  code_path = %q
  %s
}
`, dir, extra)
}

// Change detection with no user-supplied hash: edits, additions and removals
// under code_path show in the plan and are deployed; touching mtimes or moving
// the directory elsewhere shows nothing.
func TestAccFunction_codePathChangeDetection(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	write := func(name, body string) {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	write("handler.py", "def handle(event, context):\n    return 'v1'\n")
	write("lib/util.py", "X = 1\n")
	write(".git/HEAD", "ref: refs/heads/main\n") // excluded by default
	cfg := codePathConfig(env, dir, "")
	deployed := func(want ...string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			f, err := env.onlyFunction()
			if err != nil {
				return err
			}
			return zipHas(f.CodeArchive, want...)
		}
	}
	copyDir := filepath.Join(t.TempDir(), "elsewhere")
	accTest(t, env,
		resource.TestStep{Config: cfg, Check: deployed("handler.py", "lib/util.py")},
		resource.TestStep{
			PreConfig: func() {
				write("handler.py", "def handle(event, context):\n    return 'v2'\n")
				env.server.ResetRequests()
			},
			Config:           cfg,
			ConfigPlanChecks: expectUpdate(),
			Check:            env.expectWrites("PUT functions/{id}/code"),
		},
		resource.TestStep{Config: cfg, PlanOnly: true},
		resource.TestStep{
			PreConfig:        func() { write("lib/new.py", "Y = 2\n") },
			Config:           cfg,
			ConfigPlanChecks: expectUpdate(),
			Check:            deployed("handler.py", "lib/util.py", "lib/new.py"),
		},
		resource.TestStep{
			PreConfig:        func() { must(t, os.Remove(filepath.Join(dir, "lib/new.py"))) },
			Config:           cfg,
			ConfigPlanChecks: expectUpdate(),
		},
		// Only mtimes change: nothing to do.
		resource.TestStep{
			PreConfig: func() {
				future := time.Now().Add(48 * time.Hour)
				must(t, filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
					if err != nil {
						return err
					}
					return os.Chtimes(p, future, future)
				}))
			},
			Config:   cfg,
			PlanOnly: true,
		},
		// Files excluded by default or by pattern change nothing either.
		resource.TestStep{
			PreConfig: func() { write(".git/HEAD", "ref: refs/heads/other\n"); write("notes.md", "todo\n") },
			Config:    codePathConfig(env, dir, `code_excludes = ["*.md"]`),
			// Adding code_excludes is an in-place change of the configuration;
			// the archive is the same, so no code is uploaded.
			ConfigPlanChecks: expectUpdate(),
		},
		// The same tree checked out elsewhere: only code_path itself changes,
		// and the same bytes are not uploaded again.
		resource.TestStep{
			PreConfig: func() {
				must(t, os.CopyFS(copyDir, os.DirFS(dir)))
				env.server.ResetRequests()
			},
			Config: codePathConfig(env, copyDir, `code_excludes = ["*.md"]`),
			Check:  env.expectWrites(),
		},
		resource.TestStep{Config: codePathConfig(env, copyDir, `code_excludes = ["*.md"]`), PlanOnly: true},
	)
}

// Re-zipping the same files (other order, other timestamps) plans nothing.
func TestAccFunction_rezippedArchivePlansNothing(t *testing.T) {
	env := newTestEnv(t)
	zipPath := filepath.Join(t.TempDir(), "code.zip")
	files := map[string]string{"handler.py": "def handle(event, context):\n    return 'zip'\n", "helpers/a.py": "A = 1\n", "helpers/b.py": "B = 2\n"}
	writeZip(t, zipPath, files)
	cfg := env.config(`
resource "e2e_faas_function" "test" {
  name         = "rezipped"
  runtime      = "python3.11"
  code_archive = %q
}
`, zipPath)
	accTest(t, env,
		resource.TestStep{Config: cfg},
		resource.TestStep{
			PreConfig: func() { writeZip(t, zipPath, files) }, // map order differs run to run; mtimes differ
			Config:    cfg,
			PlanOnly:  true,
		},
		resource.TestStep{
			PreConfig: func() {
				files["helpers/b.py"] = "B = 3\n"
				writeZip(t, zipPath, files)
			},
			Config:           cfg,
			ConfigPlanChecks: expectUpdate(),
		},
	)
}

// A failed code deploy keeps the old source_hash in state: the next plan shows
// the code change again and the next apply deploys it.
func TestAccFunction_failedCodeUpdateIsRetried(t *testing.T) {
	env := newTestEnv(t)
	cfg := func(body string) string {
		return env.config(`
resource "e2e_faas_function" "test" {
  name        = "code-retry"
  runtime     = "python3.11"
  code_inline = %q
}
`, "def handle(event, context):\n    return '"+body+"'\n")
	}
	accTest(t, env,
		resource.TestStep{Config: cfg("one")},
		resource.TestStep{
			PreConfig:   func() { env.server.FailNextDeploy("ModuleNotFoundError: No module named 'requests'") },
			Config:      cfg("two"),
			ExpectError: regexp.MustCompile(`(?s)did not deploy.*ModuleNotFoundError`),
		},
		resource.TestStep{Config: cfg("two"), PlanOnly: true, ExpectNonEmptyPlan: true},
		resource.TestStep{
			Config:           cfg("two"),
			ConfigPlanChecks: expectUpdate(),
			Check: func(*terraform.State) error {
				f, err := env.onlyFunction()
				if err != nil {
					return err
				}
				handler, err := zipFile(f.CodeArchive, "handler.py")
				if err != nil {
					return err
				}
				if f.Status != "Running" || !strings.Contains(handler, "'two'") {
					return fmt.Errorf("status %s, handler %q: want Running with the new code", f.Status, handler)
				}
				return nil
			},
		},
		resource.TestStep{Config: cfg("two"), PlanOnly: true},
	)
}
