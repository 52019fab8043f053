// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Every configuration a user is shown (examples/, the README's and the
// guides' fenced hcl blocks) applies as written, and is destroyed, against
// a local server of the dialect it is written for, with the environment
// lines e2e-faas-local prints. A directory with a .tftest.hcl file is a
// module with its tests: `terraform test` runs them instead.
//
// A configuration is for the MyAccount API (the provider's and the server's
// default) unless it says otherwise with a line
//
//	# dialect: faas-v1
//
// CLI configurations (provider_installation blocks) are not Terraform
// configurations and are left out.

var dialectMarker = regexp.MustCompile(`(?m)^\s*#\s*dialect:\s*(\S+)\s*$`)

// fencedHCL matches a fenced hcl or terraform block, indented or not.
var fencedHCL = regexp.MustCompile("(?ms)^[ \t]*```(?:hcl|terraform)[ \t]*\n(.*?)^[ \t]*```")

// exampleConfig is one configuration to apply: its files, by name.
type exampleConfig struct {
	name  string
	files map[string]string
	// dir, when set, is a directory to copy whole (code_path and tests live
	// next to the configuration).
	dir string
}

func (c exampleConfig) text() string {
	var b strings.Builder
	for _, body := range c.files {
		b.WriteString(body)
	}
	return b.String()
}

func (c exampleConfig) dialect(t *testing.T) dialectCase {
	t.Helper()
	m := dialectMarker.FindStringSubmatch(c.text())
	if m == nil {
		return myAccount
	}
	for _, d := range dialects {
		if d.name == m[1] {
			return d
		}
	}
	t.Fatalf("%s: dialect marker names %q, which is none of faas-v1, myaccount", c.name, m[1])
	return dialectCase{}
}

// exampleConfigs finds every configuration of the repository.
func exampleConfigs(t *testing.T) []exampleConfig {
	t.Helper()
	root := filepath.Join("..", "..")
	var out []exampleConfig
	dirs := map[string]bool{}
	must(t, filepath.WalkDir(filepath.Join(root, "examples"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".terraform" || d.Name() == "src") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".tftest.hcl")) {
			dir := filepath.Dir(p)
			if filepath.Base(dir) == "tests" {
				dir = filepath.Dir(dir)
			}
			dirs[dir] = true
		}
		return nil
	}))
	for dir := range dirs {
		rel, err := filepath.Rel(root, dir)
		must(t, err)
		c := exampleConfig{name: filepath.ToSlash(rel), dir: dir, files: map[string]string{}}
		paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
		must(t, err)
		tests, err := filepath.Glob(filepath.Join(dir, "tests", "*.tftest.hcl"))
		must(t, err)
		for _, p := range append(paths, tests...) {
			b, err := os.ReadFile(p)
			must(t, err)
			c.files[filepath.Base(p)] = string(b)
		}
		out = append(out, c)
	}
	// A page's copy of an example file (tfplugindocs' codefile) is tested
	// with its directory, not alone.
	exampleFiles := map[string]bool{}
	for _, c := range out {
		for _, body := range c.files {
			exampleFiles[strings.TrimSpace(body)] = true
		}
	}
	docs := []string{filepath.Join(root, "README.md")}
	guides, err := filepath.Glob(filepath.Join(root, "docs", "guides", "*.md"))
	must(t, err)
	for _, doc := range append(docs, guides...) {
		b, err := os.ReadFile(doc)
		must(t, err)
		rel, err := filepath.Rel(root, doc)
		must(t, err)
		for i, m := range fencedHCL.FindAllStringSubmatch(string(b), -1) {
			if strings.Contains(m[1], "provider_installation") || exampleFiles[strings.TrimSpace(m[1])] {
				continue
			}
			out = append(out, exampleConfig{name: filepath.ToSlash(rel) + "#" + string(rune('a'+i)), files: map[string]string{"main.tf": m[1]}})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// TestExamplesApply applies and destroys every configuration of examples/,
// README.md and docs/guides/, each against its own server.
func TestExamplesApply(t *testing.T) {
	configs := exampleConfigs(t)
	if len(configs) < 10 {
		t.Fatalf("found only %d configurations; the walk is broken", len(configs))
	}
	for _, c := range configs {
		t.Run(strings.NewReplacer("/", "_", "#", "_").Replace(c.name), func(t *testing.T) {
			t.Parallel()
			d := c.dialect(t)
			env := newDialectTestEnv(t, d, nil)
			w := newCLIWorkspace(t, append(serverEnvLines(env), requiredVariables(c.text())...)...)
			if c.dir != "" {
				must(t, os.CopyFS(w.work, os.DirFS(c.dir)))
			} else {
				for name, body := range c.files {
					must(t, os.WriteFile(filepath.Join(w.work, name), []byte(body), 0o644))
				}
			}
			if !strings.Contains(c.text(), "required_providers") {
				// A snippet of a page whose provider block is shown apart,
				// as tfplugindocs' examples are: the source is the one thing
				// Terraform cannot guess.
				must(t, os.WriteFile(filepath.Join(w.work, "zz_required_providers.tf"), []byte(requiredProviders), 0o644))
			}
			if _, ok := anyTestFile(c); ok {
				// No terraform init: with dev_overrides it is not needed
				// (and would ask the Registry for the provider).
				out, code := w.run(nil, "test", "-no-color")
				if code != 0 {
					t.Fatalf("%s: terraform test failed (dialect %s):\n%s", c.name, d.name, out)
				}
				if m := testsPassed.FindStringSubmatch(out); m == nil || m[1] == "0" {
					t.Fatalf("%s: terraform test ran no test:\n%s", c.name, out)
				}
			} else {
				if out, code := w.run(nil, "apply", "-auto-approve", "-input=false", "-no-color"); code != 0 {
					t.Fatalf("%s: terraform apply failed (dialect %s):\n%s", c.name, d.name, out)
				}
				if out, code := w.run(nil, "destroy", "-auto-approve", "-input=false", "-no-color"); code != 0 {
					t.Fatalf("%s: terraform destroy failed (dialect %s):\n%s", c.name, d.name, out)
				}
			}
			if err := env.nothingLeft(nil); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		})
	}
}

var testsPassed = regexp.MustCompile(`Success! (\d+) passed, 0 failed`)

var variableBlock = regexp.MustCompile(`(?ms)^variable "(\w+)" \{(.*?)^\}`)

// requiredVariables gives each variable without a default a value, as a
// user does with TF_VAR_ (the secret example's password, say).
func requiredVariables(hcl string) []string {
	var out []string
	for _, m := range variableBlock.FindAllStringSubmatch(hcl, -1) {
		if !regexp.MustCompile(`(?m)^\s*default\s*=`).MatchString(m[2]) {
			out = append(out, "TF_VAR_"+m[1]+"=example-"+m[1])
		}
	}
	return out
}

const requiredProviders = `terraform {
  required_providers {
    e2e = { source = "e2eterraformprovider/e2e" }
  }
}
`

func anyTestFile(c exampleConfig) (string, bool) {
	for name := range c.files {
		if strings.HasSuffix(name, ".tftest.hcl") {
			return name, true
		}
	}
	return "", false
}

// serverEnvLines are the settings e2e-faas-local prints for env's dialect:
// the endpoint, the credentials, and for MyAccount its project and location.
// Settings of the caller's own environment that would pick another API or
// account are cleared.
func serverEnvLines(env *testEnv) []string {
	lines := []string{
		"E2E_API_ENDPOINT=" + env.url, "E2E_API_KEY=" + env.key, "E2E_AUTH_TOKEN=" + env.token,
		"E2E_API_FLAVOR=", "E2E_PROJECT_ID=", "E2E_LOCATION=",
		"SERVICE_API_KEY=", "SERVICE_AUTH_TOKEN=", "SERVICE_API_ENDPOINT=",
	}
	if env.dialect.projectID != "" {
		lines = append(lines, "E2E_PROJECT_ID="+env.dialect.projectID, "E2E_LOCATION=Delhi")
	}
	return lines
}
