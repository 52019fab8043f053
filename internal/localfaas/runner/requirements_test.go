// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/ziptest"
)

func TestCheckPipRequirements(t *testing.T) {
	for _, ok := range []string{
		"flask==3.0.0\nrequests>=2  # pinned later\n\n# -r not-an-option.txt\n",
		"pkg @ https://example.com/pkg-1.0.tar.gz\n",
		"numpy==1.26.4 --hash=sha256:0123 --hash sha256:4567\n",
		"uvicorn[standard]; python_version >= '3.8'\n",
	} {
		if err := checkPipRequirements(ok, "requirements"); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"-r /etc/passwd", "--requirement other.txt", "-c constraints.txt", "-e .", "--editable git+https://x/y",
		"--index-url http://127.0.0.1:1/simple", "-i http://x", "--extra-index-url http://x", "--find-links /tmp",
		"--target /tmp/elsewhere", "--prefix=/tmp/elsewhere", "--root /", "--no-index",
		"flask --global-option=--prefix=/tmp", "flask --config-settings x=y", "flask \\\n--index-url http://x",
		"pkg @ https://example.com/${HOME}.tar.gz",
	} {
		err := checkPipRequirements("flask\n"+bad+"\n", "requirements")
		if err == nil || !strings.Contains(err.Error(), "requirements line ") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestNpmSpecs(t *testing.T) {
	specs, err := npmSpecs("lodash@4.17.21\n\n# a comment\n  file:/srv/pkg  \n")
	if err != nil || strings.Join(specs, " ") != "lodash@4.17.21 file:/srv/pkg" {
		t.Errorf("specs %q %v", specs, err)
	}
	for _, bad := range []string{"--prefix=/tmp/x", "-g", "--global", "--location=global", "--", "-ddd"} {
		if _, err := npmSpecs("lodash\n" + bad); err == nil || !strings.Contains(err.Error(), "requirements line 2") || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// pip options in requirements, or in the code's requirements.txt, fail the
// deploy before pip runs, naming the line.
func TestPythonRequirementsOptionsRefused(t *testing.T) {
	r := newRunner(t, func(o *Options) { o.PipFlags = []string{"--no-index"} })
	needs(t, r, "python3.11")
	elsewhere := t.TempDir()
	s := spec("python3.11", "handler.py", pythonHTTP, newLogBook())
	s.Requirements = "# comment\n--target " + elsewhere + "\n"
	_, err := r.Start(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "requirements line 2") || !strings.Contains(err.Error(), "--target") {
		t.Fatalf("--target: %v", err)
	}
	s.Requirements = ""
	s.Archive = ziptest.Build(map[string]string{"handler.py": pythonHTTP, "requirements.txt": "-r /etc/passwd\n"})
	_, err = r.Start(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "the code's requirements.txt line 1") {
		t.Fatalf("-r in requirements.txt: %v", err)
	}
}

// greetingHandler answers with localPackage's greeting.
const greetingHandler = `module.exports.handle = async () => require('local-greeting')('npm');`

// localPackage writes a package npm installs without the registry.
func localPackage(t *testing.T) string {
	t.Helper()
	pkg := t.TempDir()
	for name, content := range map[string]string{
		"package.json": `{"name": "local-greeting", "version": "1.0.0", "main": "index.js"}`,
		"index.js":     `module.exports = (who) => 'greetings, ' + who;`,
	} {
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return pkg
}

func needsNPM(t *testing.T, r *Runner) {
	t.Helper()
	needs(t, r, "node20")
	if r.npm.missing != "" {
		t.Skipf("skipped: %s", r.npm.missing)
	}
}

// A requirements line that is an npm option fails the deploy, and installs
// nothing beyond the function.
func TestNodeRequirementsOptionsRefused(t *testing.T) {
	r := newRunner(t)
	needsNPM(t, r)
	elsewhere := t.TempDir()
	s := spec("node20", "handler.js", greetingHandler, newLogBook())
	s.Requirements = "file:" + localPackage(t) + "\n--prefix=" + elsewhere + "\n"
	_, err := r.Start(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "requirements line 2") || !strings.Contains(err.Error(), "--prefix=") {
		t.Errorf("--prefix: %v", err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) > 0 {
		t.Errorf("npm installed beyond the function: %v", entries)
	}
}

// An .npmrc in the code cannot send the install elsewhere.
func TestNodeNpmrcCannotMoveTheInstall(t *testing.T) {
	r := newRunner(t)
	needsNPM(t, r)
	global := t.TempDir()
	t.Setenv("npm_config_prefix", global) // where a global install would land
	s := spec("node20", "handler.js", "", newLogBook())
	s.Archive = ziptest.Build(map[string]string{
		"handler.js": `module.exports.handle = async () => require('local-greeting')('npmrc');`,
		".npmrc":     "location=global\nglobal=true\n",
	})
	s.Requirements = "file:" + localPackage(t)
	call(start(t, r, s), "GET", "/", "").want(t, 200, "greetings, npmrc")
	if entries, _ := os.ReadDir(global); len(entries) > 0 {
		t.Errorf("npm installed beyond the function: %v", entries)
	}
}

// The credentials of a private index in -pip-flags reach neither the
// function's log (and so the server's console) nor the deploy's error.
func TestPipFlagsCredentialsStayOutOfTheLog(t *testing.T) {
	const secret = "s3cret-7f2c"
	r := newRunner(t, func(o *Options) {
		o.PipFlags = []string{"--no-index", "--retries", "0", "--timeout", "1", "--find-links", "http://user:" + secret + "@127.0.0.1:1/wheels/"}
	})
	needs(t, r, "python3.11")
	log := newLogBook()
	s := spec("python3.11", "handler.py", pythonHTTP, log)
	s.Requirements = "nothing-by-this-name==1.0\n"
	_, err := r.Start(context.Background(), s)
	if err == nil {
		t.Fatal("the deploy of an unreachable requirement succeeded")
	}
	log.waitFor(t, "http://***@127.0.0.1:1/wheels/")
	if strings.Contains(log.String(), secret) || strings.Contains(err.Error(), secret) {
		t.Errorf("the index's password is in the log or the error:\n%s\n%v", log, err)
	}
}
