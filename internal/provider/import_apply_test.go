// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// importedCode is one way of giving a function's code, for the import tests.
type importedCode struct {
	name string
	// attribute is the configuration's code argument; source the packaging
	// input that gives the same code.
	attribute string
	source    func(t *testing.T, code string) (hcl string, src packaging.Source)
}

var importedCodes = []importedCode{
	{"inline", "code_inline", func(_ *testing.T, code string) (string, packaging.Source) {
		return fmt.Sprintf("code_inline = %q", code), packaging.Source{Inline: code}
	}},
	{"path", "code_path", func(t *testing.T, code string) (string, packaging.Source) {
		dir := t.TempDir()
		must(t, os.WriteFile(filepath.Join(dir, "handler.py"), []byte(code), 0o644))
		return fmt.Sprintf("code_path = %q", dir), packaging.Source{Dir: dir}
	}},
	{"path with requirements", "code_path", func(t *testing.T, code string) (string, packaging.Source) {
		dir := t.TempDir()
		must(t, os.WriteFile(filepath.Join(dir, "handler.py"), []byte(code), 0o644))
		must(t, os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("requests==2.32.3\n"), 0o644))
		return fmt.Sprintf("code_path = %q", dir), packaging.Source{Dir: dir}
	}},
	{"archive", "code_archive", func(t *testing.T, code string) (string, packaging.Source) {
		zip := filepath.Join(t.TempDir(), "code.zip")
		writeZip(t, zip, map[string]string{"handler.py": code})
		return fmt.Sprintf("code_archive = %q", zip), packaging.Source{ArchivePath: zip}
	}},
}

// makeFunctionFrom makes a function the way another tool would, through the
// dialect's own API, with the code of src, and returns its id.
func makeFunctionFrom(t *testing.T, env *testEnv, name string, src packaging.Source) string {
	t.Helper()
	return env.makeOutside(name, src, true, nil)
}

// Import, then apply, on both dialects and from every code source: when the
// configuration's code is the code the function runs, the plan after the
// import keeps code_sha256 and status (it may only add the arguments the
// API does not return: the code source, and a config block even one equal
// to the defaults), the apply sends no write at all, and the next plan is
// empty. Under myaccount, whose API answers with the code itself, code_inline
// without a config block plans nothing at all.
func TestAccDialects_importThenApplyWritesNothing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		for _, source := range importedCodes {
			for _, block := range []string{"", "config {\n  memory_mb = 128\n}"} {
				name := source.name
				if block != "" {
					name += " with a config block of defaults"
				}
				t.Run(name, func(t *testing.T) {
					env := newDialectTestEnv(t, d, nil)
					code := fmt.Sprintf(dialectCode, "made elsewhere")
					hcl, src := source.source(t, code)
					fnName := "imported-" + strings.ReplaceAll(source.name, " ", "-")
					id := makeFunctionFrom(t, env, fnName, src)
					deployed, err := env.onlyFunction()
					must(t, err)
					cfg := env.config(`
resource "e2e_faas_function" "test" {
  name    = %q
  runtime = %q
  %s
  %s
}
`, fnName, d.runtime, hcl, block)
					kept := []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(fn, at("code_sha256"), knownvalue.StringExact(deployed.CodeSHA256)),
						plancheck.ExpectKnownValue(fn, at("status"), knownvalue.StringExact("Running")),
					}
					if d.name == myAccount.name && source.attribute == "code_inline" && block == "" {
						kept = append(kept, plancheck.ExpectEmptyPlan())
					}
					accTest(t, env,
						resource.TestStep{
							Config: cfg, ResourceName: fn, ImportState: true, ImportStatePersist: true,
							ImportStateIdFunc: func(*terraform.State) (string, error) { return d.importID(fnName, id), nil },
						},
						resource.TestStep{
							PreConfig: env.resetRequests(), Config: cfg,
							ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: kept},
							Check: resource.ComposeTestCheckFunc(env.expectWrites(), func(*terraform.State) error {
								f, err := env.onlyFunction()
								if err != nil {
									return err
								}
								if f.Version != deployed.Version || f.CodeSHA256 != deployed.CodeSHA256 {
									return fmt.Errorf("the function was redeployed: version %s → %s", deployed.Version, f.Version)
								}
								return nil
							}),
						},
						resource.TestStep{Config: cfg, PlanOnly: true},
					)
				})
			}
		}
	})
}
