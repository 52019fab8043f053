// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner"
)

// functionFlags are the flags that run deployed functions, and the -invoke
// client mode.
type functionFlags struct {
	run                      *bool
	python, node, npm, goCmd *string
	pipFlags, workDir        *string
	invoke, data             *string

	runner *runner.Runner
}

func addFunctionFlags(fs *flag.FlagSet) *functionFlags {
	return &functionFlags{
		run:      fs.Bool("run", true, "run deployed functions as local processes behind their invoke_url (they run as this user: only deploy code you trust)"),
		python:   fs.String("python", "python3", "Python `interpreter` of "+strings.Join(locallyRunnable("python"), ", ")+" functions"),
		node:     fs.String("node", "node", "Node.js `interpreter` of "+strings.Join(locallyRunnable("node"), ", ")+" functions"),
		npm:      fs.String("npm", "npm", "`npm` that installs Node.js requirements"),
		goCmd:    fs.String("go", "go", "`go` command that builds "+strings.Join(locallyRunnable("go"), ", ")+" functions"),
		pipFlags: fs.String("pip-flags", "", "extra `flags` for pip install, e.g. \"--no-index --find-links /wheels\" where PyPI is out of reach"),
		workDir:  fs.String("work-dir", "", "`directory` for the functions' files (default: a temporary one, removed on exit)"),
		invoke:   fs.String("invoke", "", "do not serve: call this invoke_url `URL` (GET, or POST with -data), print the answer and exit"),
		data:     fs.String("data", "", "with -invoke: POST this `body`"),
	}
}

// newRunner starts the runner unless -run=false; a platform where functions
// cannot run gets a warning and a server that only deploys them.
// ownsChildren says that the runner starts every child process of this one.
func (f *functionFlags) newRunner(stdout io.Writer, ownsChildren bool) localfaas.Runner {
	if !*f.run {
		return nil
	}
	r, err := runner.New(runner.Options{
		Python: *f.python, Node: *f.node, NPM: *f.npm, Go: *f.goCmd,
		PipFlags: strings.Fields(*f.pipFlags), WorkDir: *f.workDir,
		OwnsChildren: ownsChildren,
	})
	if err != nil {
		fmt.Fprintf(stdout, "# warning: functions will not run: %v\n", err)
		return nil
	}
	f.runner = r
	return r
}

// describe prints which runtimes run here.
func (f *functionFlags) describe(stdout io.Writer) {
	if f.runner == nil {
		fmt.Fprintln(stdout, "# functions are deployed but not run (-run=false)")
		return
	}
	var runs, not []string
	for _, rt := range locallyRunnable("") {
		if err := f.runner.Runs(rt, "http"); err != nil {
			not = append(not, err.Error())
		} else {
			runs = append(runs, rt)
		}
	}
	fmt.Fprintf(stdout, "# functions run locally, as this user, with: %s\n", strings.Join(runs, ", "))
	for _, why := range not {
		fmt.Fprintf(stdout, "# %s\n", why)
	}
}

// locallyRunnable lists, from both dialects' catalogues and without
// repeats, the runtimes the runner has a language for (only language's,
// when it is not ""): for the flags' help and for describe. Whether this
// machine's toolchains can run them is the runner's to say.
func locallyRunnable(language string) []string {
	var names []string
	for _, c := range []catalogue.Catalogue{catalogue.FaaSV1, catalogue.MyAccount} {
		for _, rt := range c {
			if rt.Language != "" && (language == "" || rt.Language == language) && !slices.Contains(names, rt.Name) {
				names = append(names, rt.Name)
			}
		}
	}
	return names
}

// close stops every function's processes, and removes their files.
func (f *functionFlags) close() {
	if f.runner != nil {
		_ = f.runner.Close()
	}
}

// kill ends every function's processes at once.
func (f *functionFlags) kill() {
	if f.runner != nil {
		f.runner.Kill()
	}
}

// invokeTimeout bounds -invoke; functions time out at 900 s at most.
const invokeTimeout = 15 * time.Minute

// invokeFunction calls a function's invoke_url and prints its answer; an
// answer of 400 or more is an error. It needs no curl.
func invokeFunction(ctx context.Context, url, data string, stdout io.Writer) error {
	method, body := http.MethodGet, io.Reader(nil)
	if data != "" {
		method, body = http.MethodPost, strings.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(ctx, invokeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
	if err != nil {
		return err
	}
	if len(answer) > 0 && answer[len(answer)-1] != '\n' {
		answer = append(answer, '\n')
	}
	if _, err := stdout.Write(answer); err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		return fmt.Errorf("%s %s answered %s", method, url, resp.Status)
	}
	return nil
}
