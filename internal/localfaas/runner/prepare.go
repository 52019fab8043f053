// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package runner

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
	"time"
	"unicode"
)

// maxToolOutput is how much of a package tool's or compiler's output an
// error quotes: the end, where the reason is.
const maxToolOutput = 3000

// prepare unpacks the code, installs its requirements and compiles it, then
// returns the worker's command line and working directory.
func (inst *instance) prepare(ctx context.Context) (argv []string, cwd string, err error) {
	r, spec := inst.r, inst.spec
	ctx, cancel := context.WithTimeout(ctx, r.opts.InstallTimeout)
	defer cancel()
	switch runtimeKinds[spec.Runtime] {
	case "python":
		code, deps := filepath.Join(inst.dir, "code"), filepath.Join(inst.dir, "deps")
		if err := unpack(spec.Archive, code); err != nil {
			return nil, "", err
		}
		if err := inst.installPython(ctx, code, deps); err != nil {
			return nil, "", err
		}
		handler := spec.Handler
		if handler == "" {
			handler = "handle"
		}
		return []string{r.python.path, "-u", filepath.Join(r.templateDir(), "worker.py"), code, deps, spec.Template, handler}, code, nil
	case "node":
		code := filepath.Join(inst.dir, "code")
		if err := unpack(spec.Archive, code); err != nil {
			return nil, "", err
		}
		if err := inst.installNode(ctx, code); err != nil {
			return nil, "", err
		}
		handler := spec.Handler
		if handler == "" {
			handler = "handle"
		}
		argv := []string{r.node.path}
		if spec.MemoryMB > 0 {
			argv = append(argv, fmt.Sprintf("--max-old-space-size=%d", spec.MemoryMB))
		}
		return append(argv, filepath.Join(r.templateDir(), "worker.js"), code, handler), code, nil
	case "go":
		src := filepath.Join(inst.dir, "src")
		code := filepath.Join(src, "function")
		if err := unpack(spec.Archive, code); err != nil {
			return nil, "", err
		}
		bin, err := inst.buildGo(ctx, src)
		if err != nil {
			return nil, "", err
		}
		return []string{bin}, code, nil
	}
	return nil, "", fmt.Errorf("runtime %s is not executable locally", spec.Runtime)
}

// unpack writes the archive's files below dir. The server checked the
// archive; names are checked again so that nothing lands outside dir.
func unpack(archive []byte, dir string) error {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return fmt.Errorf("code archive cannot be unpacked: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !filepath.IsLocal(f.Name) {
			return fmt.Errorf("code archive entry %q is not a relative path", f.Name)
		}
		if !f.Mode().IsRegular() {
			return fmt.Errorf("code archive entry %q is not a regular file", f.Name)
		}
		if err := unpackFile(f, filepath.Join(dir, filepath.FromSlash(f.Name))); err != nil {
			return fmt.Errorf("code archive entry %q: %w", f.Name, err)
		}
	}
	return nil
}

func unpackFile(f *zip.File, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if f.Mode()&0o100 != 0 {
		mode = 0o755
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// installPython installs the requirements into deps with pip --target.
func (inst *instance) installPython(ctx context.Context, code, deps string) error {
	if err := os.MkdirAll(deps, 0o700); err != nil {
		return err
	}
	file := filepath.Join(code, "requirements.txt")
	if strings.TrimSpace(inst.spec.Requirements) != "" {
		if err := checkPipRequirements(inst.spec.Requirements, "requirements"); err != nil {
			return err
		}
		file = filepath.Join(inst.dir, "requirements.txt")
		if err := os.WriteFile(file, []byte(inst.spec.Requirements), 0o600); err != nil {
			return err
		}
	} else if !hasContent(file) {
		return nil
	} else {
		text, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if err := checkPipRequirements(string(text), "the code's requirements.txt"); err != nil {
			return err
		}
	}
	args := []string{"-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--no-warn-script-location",
		"--target", deps, "-r", file}
	args = append(args, inst.r.opts.PipFlags...)
	return inst.runTool(ctx, "pip install", code, toolEnv(), inst.r.python.path, args...)
}

// pipComment is a comment of a requirements file, as pip strips it.
var pipComment = regexp.MustCompile(`(^|\s)#.*$`)

// checkPipRequirements refuses what is not a package spec. pip reads a
// requirements file line by line, and takes the words of a line from the
// first that starts with "-" for options: -r and -c read other files, -e
// installs a project where it lies, --index-url and the like change where
// packages come from (the server's -pip-flags chooses that), and
// --global-option and --config-settings reach the build. --hash only pins
// what is installed, so it is let through. pip also expands ${VAR} from the
// server's environment, which a spec could send to a URL: refused too.
func checkPipRequirements(text, source string) error {
	for n, line := range strings.Split(text, "\n") {
		line = pipComment.ReplaceAllString(line, "")
		for i, word := range strings.Fields(line) {
			if strings.Contains(word, "${") {
				return fmt.Errorf("%s line %d: %q refers to an environment variable (${...}), which pip would fill in from the server's environment: write the value itself",
					source, n+1, strings.TrimSpace(line))
			}
			if !strings.HasPrefix(word, "-") || i > 0 && (word == "--hash" || strings.HasPrefix(word, "--hash=")) {
				continue
			}
			return fmt.Errorf("%s line %d: %q holds the pip option %s: requirements may hold package specs only (with --hash), "+
				"since options such as -r, -e, --index-url, --target or --prefix would read or install beyond the function; "+
				"the server's -pip-flags sets pip's options", source, n+1, strings.TrimSpace(line), word)
		}
	}
	return nil
}

// npmSpecs are the package specs of a requirements text, one per line;
// a line that npm would take for an option is refused.
func npmSpecs(text string) ([]string, error) {
	var specs []string
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "-"):
			return nil, fmt.Errorf("requirements line %d: %q is an npm option, not a package spec: requirements may hold package specs only, one per line, "+
				"since an option such as --prefix or --global would install beyond the function", n+1, line)
		}
		specs = append(specs, line)
	}
	return specs, nil
}

// installNode runs npm install in the code directory: with the requirements'
// package specs, or a package.json. The flags pin where packages go, over
// any .npmrc in the code (location=global there would install beyond the
// function, where its delete does not reach): the code directory's own
// node_modules.
func (inst *instance) installNode(ctx context.Context, code string) error {
	req := strings.TrimSpace(inst.spec.Requirements)
	args := []string{"install", "--no-audit", "--no-fund", "--omit=dev", "--no-update-notifier",
		"--global=false", "--location=project", "--prefix=" + code}
	switch {
	case strings.HasPrefix(req, "{"):
		if err := os.WriteFile(filepath.Join(code, "package.json"), []byte(req), 0o600); err != nil {
			return err
		}
	case req != "":
		specs, err := npmSpecs(req)
		if err != nil {
			return err
		}
		args = append(append(args, "--"), specs...)
	case !hasContent(filepath.Join(code, "package.json")):
		return nil
	}
	if inst.r.npm.missing != "" {
		return fmt.Errorf("the function has requirements, but %s", inst.r.npm.missing)
	}
	return inst.runTool(ctx, "npm install", code, toolEnv(), inst.r.npm.path, args...)
}

var goIdentifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

var mainTemplate = template.Must(template.ParseFS(templates, "templates/main.go.tmpl"))

// goModule is the module path of the generated program; the handler's
// package is goModule + "/function".
const goModule = "localfaas.fn"

// buildGo compiles the handler's package, unpacked in src/function, into a
// program that serves it.
func (inst *instance) buildGo(ctx context.Context, src string) (string, error) {
	spec := inst.spec
	if strings.TrimSpace(spec.Requirements) != "" {
		return "", fmt.Errorf("requirements is not supported for %s by the local server: its Go functions use the standard library only", spec.Runtime)
	}
	if hasContent(filepath.Join(src, "function", "go.mod")) {
		return "", errors.New("the code has its own go.mod, which the local server does not support: its Go functions are package function using the standard library only")
	}
	handler := spec.Handler
	if handler == "" {
		handler = "handle"
	}
	if !goIdentifier.MatchString(handler) {
		return "", fmt.Errorf("handler_function %q is not a Go identifier", handler)
	}
	exported := []rune(handler)
	exported[0] = unicode.ToUpper(exported[0])
	var main bytes.Buffer
	if err := mainTemplate.Execute(&main, struct{ Module, Handler string }{goModule, string(exported)}); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), main.Bytes(), 0o600); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module "+goModule+"\n\ngo 1.21\n"), 0o600); err != nil {
		return "", err
	}
	bin := filepath.Join(inst.dir, "function.bin")
	env := append(toolEnv(), "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=-mod=mod")
	if err := inst.runTool(ctx, "go build", src, env, inst.r.golang.path, "build", "-o", bin, "."); err != nil {
		return "", err
	}
	return bin, nil
}

// runTool runs a package tool or compiler in its own process group, ended
// with ctx, and makes its output tail the error when it fails. What it
// leaves running (a package's install script may start a process) is ended
// when it returns.
func (inst *instance) runTool(ctx context.Context, what, dir string, env []string, name string, args ...string) error {
	var out tailBuffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, &out, &out
	setProcessGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = waitDelay
	inst.spec.Log("stdout", fmt.Sprintf("%s: %s", what, redactUserinfo(strings.Join(args, " "))))
	tag := inst.r.tracker.newTag(inst.id)
	err := inst.r.tracker.start(cmd, tag)
	if err == nil {
		err = cmd.Wait()
		inst.r.tracker.waited(cmd)
	}
	inst.r.tracker.end(exactly(tag), time.Now().Add(sweepTimeout))
	if err == nil || errors.Is(err, exec.ErrWaitDelay) { // it succeeded; what held its output is ended
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s did not finish: %w", what, context.Cause(ctx))
	}
	return fmt.Errorf("%s failed (%v):\n%s", what, err, redactUserinfo(strings.TrimSpace(out.String())))
}

// toolEnv is the server's environment for package tools and compilers (they
// need its proxy, cache and configuration variables), without the E2E
// credentials the server or the provider may hold: installing a package can
// run the package's own build code.
func toolEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "E2E_") && !strings.HasPrefix(kv, "SERVICE_") {
			env = append(env, kv)
		}
	}
	return env
}

func hasContent(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
}

// urlUserinfo is the user and password part of a URL, such as a private
// package index's in -pip-flags "--index-url https://user:token@host/simple".
var urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@`)

// redactUserinfo hides the credentials of the URLs in s: a tool's command
// line goes to the function's log and the server's console.
func redactUserinfo(s string) string {
	return urlUserinfo.ReplaceAllString(s, "${1}***@")
}

// tailBuffer keeps the last maxToolOutput bytes written to it.
type tailBuffer struct {
	buf []byte
	cut bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > maxToolOutput {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-maxToolOutput:]...)
		t.cut = true
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	if t.cut {
		return "…" + string(t.buf)
	}
	return string(t.buf)
}
