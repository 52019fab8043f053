// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
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

// repoRoot is the repository's root, from this package's directory.
var repoRoot = filepath.Join("..", "..")

// exampleFile is the text of a file of examples/ (path below it, with
// slashes).
func exampleFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "examples", filepath.FromSlash(path)))
	must(t, err)
	return string(b)
}

// exampleConfigs finds every configuration of the repository.
func exampleConfigs(t *testing.T) []exampleConfig {
	t.Helper()
	root := repoRoot
	var out []exampleConfig
	dirs := map[string]bool{}
	must(t, filepath.WalkDir(filepath.Join(root, "examples"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".terraform" || d.Name() == "src") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".tftest.hcl") || strings.HasSuffix(p, ".tfquery.hcl")) {
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
		queries, err := filepath.Glob(filepath.Join(dir, "*.tfquery.hcl"))
		must(t, err)
		paths = append(paths, queries...)
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
			out = append(out, exampleConfig{name: filepath.ToSlash(rel) + "#" + string(rune('a'+i)), files: map[string]string{snippetFile(m[1]): m[1]}})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// TestExamplesApply applies and destroys every configuration of examples/,
// README.md and docs/guides/, each against its own server. A configuration
// that uses Terraform 1.12+ or 1.14+ (import by identity, actions, list
// blocks) runs with Terraform 1.15.9, as verbsTerraform finds it; its
// .tfquery.hcl files run with terraform query, which must find something
// for each list block; its actions are each invoked once after the apply.
// What its import and list blocks name is made on the server first, as in
// the console.
func TestExamplesApply(t *testing.T) {
	configs := exampleConfigs(t)
	if len(configs) < 10 {
		t.Fatalf("found only %d configurations; the walk is broken", len(configs))
	}
	for _, c := range configs {
		t.Run(strings.NewReplacer("/", "_", "#", "_").Replace(c.name), func(t *testing.T) {
			t.Parallel()
			d := c.dialect(t)
			v := c.verbs(t)
			var terraform string
			if v.needed() {
				terraform = requireVerbsTerraform(t)
			}
			var env *testEnv
			if len(v.actions) > 0 {
				// An action calls the function: the server must run it.
				env = runningDialectEnv(t, d)
			} else {
				env = newDialectTestEnv(t, d, nil)
			}
			w := newCLIWorkspace(t, append(serverEnvLines(env), requiredVariables(c.text())...)...)
			w.terraform = terraform
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
			v.makeImported(t, env)
			if len(v.lists) > 0 {
				v.query(t, env, w, c.name)
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
			} else if c.hasTerraformFiles() {
				out, code := w.run(nil, "apply", "-auto-approve", "-input=false", "-no-color")
				if code != 0 {
					t.Fatalf("%s: terraform apply failed (dialect %s):\n%s", c.name, d.name, out)
				}
				if want := fmt.Sprintf("Apply complete! Resources: %d imported,", len(v.imports)); len(v.imports) > 0 && !strings.Contains(out, want) {
					t.Fatalf("%s: terraform apply did not import the %d objects of its import blocks (dialect %s):\n%s", c.name, len(v.imports), d.name, out)
				}
				for _, a := range v.actions {
					out, code := w.run(nil, "apply", "-auto-approve", "-input=false", "-no-color", "-invoke="+a)
					if code != 0 {
						t.Fatalf("%s: terraform apply -invoke=%s failed (dialect %s):\n%s", c.name, a, d.name, out)
					}
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

func (c exampleConfig) hasTerraformFiles() bool {
	for name := range c.files {
		if strings.HasSuffix(name, ".tf") {
			return true
		}
	}
	return false
}

// queryFileName is a snippet's own name for its file, from a comment line
// such as "# find.tfquery.hcl".
var queryFileName = regexp.MustCompile(`(?m)^\s*#\s*([\w.-]+\.tfquery\.hcl)\s*$`)

// snippetFile names the file a page's snippet is written to: a snippet of
// list blocks is a query file (terraform query reads only .tfquery.hcl
// files), anything else main.tf.
func snippetFile(text string) string {
	blocks, diags := hclBlocks(text, "snippet")
	if diags.HasErrors() {
		return "main.tf" // terraform says what is wrong with it
	}
	for _, b := range blocks {
		if b.Type == "list" {
			if m := queryFileName.FindStringSubmatch(text); m != nil {
				return m[1]
			}
			return "query.tfquery.hcl"
		}
	}
	return "main.tf"
}

// hclBlocks parses a file of HCL native syntax and returns its top-level
// blocks.
func hclBlocks(text, name string) ([]*hclsyntax.Block, hcl.Diagnostics) {
	f, diags := hclsyntax.ParseConfig([]byte(text), name, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: name + " is not in HCL native syntax"}}
	}
	return body.Blocks, nil
}

// exampleVerbs is what a configuration uses of Terraform 1.12+ and 1.14+.
type exampleVerbs struct {
	// imports are the import blocks that name their object by identity.
	imports []identityImport
	// lists are the list blocks, as list.<type>.<name>, with the
	// name_prefix each filters by.
	lists map[string]string
	// actions are the action blocks, as action.<type>.<name>.
	actions []string
}

type identityImport struct{ resourceType, name string }

func (v exampleVerbs) needed() bool {
	return len(v.imports) > 0 || len(v.lists) > 0 || len(v.actions) > 0
}

// verbs reads the configuration's import, list and action blocks.
func (c exampleConfig) verbs(t *testing.T) exampleVerbs {
	t.Helper()
	v := exampleVerbs{lists: map[string]string{}}
	names := make([]string, 0, len(c.files))
	for name := range c.files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !strings.HasSuffix(name, ".tf") && !strings.HasSuffix(name, ".tfquery.hcl") {
			continue
		}
		blocks, diags := hclBlocks(c.files[name], name)
		if diags.HasErrors() {
			t.Fatalf("%s: %s: %s", c.name, name, diags.Error())
		}
		for _, b := range blocks {
			switch {
			case b.Type == "action" && len(b.Labels) == 2:
				v.actions = append(v.actions, "action."+b.Labels[0]+"."+b.Labels[1])
			case b.Type == "list" && len(b.Labels) == 2:
				prefix := ""
				for _, cb := range b.Body.Blocks {
					if a, ok := cb.Body.Attributes["name_prefix"]; ok && cb.Type == "config" {
						prefix = stringValue(t, c.name, a.Expr)
					}
				}
				v.lists["list."+b.Labels[0]+"."+b.Labels[1]] = prefix
			case b.Type == "import":
				id, ok := b.Body.Attributes["identity"]
				if !ok {
					continue
				}
				to, diags := hcl.AbsTraversalForExpr(b.Body.Attributes["to"].Expr)
				if diags.HasErrors() {
					t.Fatalf("%s: %s: import to: %s", c.name, name, diags.Error())
				}
				val, diags := id.Expr.Value(nil)
				if diags.HasErrors() || !val.Type().IsObjectType() || !val.Type().HasAttribute("name") {
					t.Fatalf("%s: %s: an import identity without a literal name", c.name, name)
				}
				v.imports = append(v.imports, identityImport{resourceType: to.RootName(), name: val.GetAttr("name").AsString()})
			}
		}
	}
	return v
}

func stringValue(t *testing.T, config string, expr hclsyntax.Expression) string {
	t.Helper()
	val, diags := expr.Value(nil)
	if diags.HasErrors() || val.Type() != cty.String {
		t.Fatalf("%s: expected a literal string at %s", config, expr.Range())
	}
	return val.AsString()
}

// makeImported makes what the import blocks name, as the console does:
// the functions, and the secrets (faas-v1).
func (v exampleVerbs) makeImported(t *testing.T, env *testEnv) {
	t.Helper()
	for _, i := range v.imports {
		switch i.resourceType {
		case "e2e_faas_function":
			env.createOutside(i.name, nil)
		case "e2e_faas_secret":
			_, err := env.client().CreateSecret(context.Background(), &faas.CreateSecretRequest{Name: i.name, Value: "s3cr3t-" + randomHex(t, 4)})
			must(t, err)
		default:
			t.Fatalf("an import of %s: the test makes only functions and secrets", i.resourceType)
		}
	}
}

// query makes a function for each list block to find (named by its
// name_prefix), runs terraform query and checks that every list block
// found something; then it deletes those functions.
func (v exampleVerbs) query(t *testing.T, env *testEnv, w *cliWorkspace, config string) {
	t.Helper()
	made := map[string]bool{}
	for _, prefix := range v.lists {
		name := prefix + "listed"
		if !made[name] {
			env.createOutside(name, nil)
			made[name] = true
		}
	}
	results, errs := w.query()
	if errs != "" {
		t.Fatalf("%s: terraform query failed (dialect %s):\n%s", config, env.dialect.name, errs)
	}
	for list := range v.lists {
		found := 0
		for _, r := range results {
			if r.Address == list {
				found++
			}
		}
		if found == 0 {
			t.Errorf("%s: terraform query: %s found nothing (dialect %s); it found %q", config, list, env.dialect.name, names(results))
		}
	}
	for _, f := range env.server.Functions() {
		if made[f.Name] {
			env.server.RemoveFunction(f.ID)
		}
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
