// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// console is where the server says what it does (Options.Console): a line
// per API request, and each function's log lines (its deploys, its
// handler's output) prefixed by its name. A nil console says nothing.
//
// What it prints comes from route names, statuses and the functions' own
// logs, never from a request's query, headers or body: no credential, secret
// value or environment value reaches it.
type console struct {
	mu sync.Mutex
	w  io.Writer
}

func newConsole(w io.Writer) *console {
	if w == nil {
		return nil
	}
	return &console{w: w}
}

// request prints a request served: by the name the request log gives its
// route ("METHOD path", the name -fault-routes takes), else (a function's
// call, a request no route served) by its method and path. Never the
// query: it holds the apikey.
func (c *console) request(r *http.Request, route string, status int, took time.Duration) {
	if c == nil {
		return
	}
	if !strings.Contains(route, " ") {
		route = r.Method + " " + r.URL.Path
	}
	precision := time.Millisecond
	if took < time.Millisecond {
		precision = time.Microsecond
	}
	c.print("", fmt.Sprintf("%s %d %s", route, status, took.Round(precision)))
}

// function prints a line of a function's log; each line of a message of
// several (a deploy's failure with a tool's output) carries the name.
func (c *console) function(name, stream, message string) {
	if c == nil {
		return
	}
	prefix := "[" + name + "] "
	if stream == "stderr" {
		prefix = "[" + name + " stderr] "
	}
	c.print(prefix, message)
}

func (c *console) print(prefix, message string) {
	stamp := time.Now().Format("15:04:05") + " "
	var b strings.Builder
	for line := range strings.SplitSeq(strings.TrimRight(message, "\n"), "\n") {
		b.WriteString(stamp + prefix + line + "\n")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, _ = io.WriteString(c.w, b.String())
}
