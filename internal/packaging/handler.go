// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"slices"
	"sort"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// DefaultTemplate is the template assumed when Source.Template is empty,
// matching the provider's default.
const DefaultTemplate = catalogue.DefaultTemplate

// CustomRuntime runs the user's own container image: it has no handler file
// and no inline form.
const CustomRuntime = catalogue.CustomRuntime

// runtimes indexes, by name, the faas-v1 runtimes of the catalogue that
// have a handler file: every one but custom. The MyAccount runtimes are not
// in it; [ReadSingleFile] serves them.
var runtimes = handlerTable(catalogue.FaaSV1)

func handlerTable(c catalogue.Catalogue) map[string]catalogue.Runtime {
	table := map[string]catalogue.Runtime{}
	for _, rt := range c.Clone() {
		if rt.Handler != "" {
			table[rt.Name] = rt
		}
	}
	return table
}

// HandlerFile returns the file, at the root of the archive, that the runtime's
// template loads: for example "handler.py" for python3.11 with template "http".
// An empty template means [DefaultTemplate]. ok is false for the custom
// runtime, for an unknown runtime and for a template the runtime does not
// offer, so the provider can use it to validate the pair.
func HandlerFile(runtime, template string) (name string, ok bool) {
	rt, found := runtimes[runtime]
	if !found {
		return "", false
	}
	return rt.HandlerFile(template)
}

// Runtimes lists the runtimes that have a handler file, sorted, for docs.
func Runtimes() []string {
	names := make([]string, 0, len(runtimes))
	for name := range runtimes {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Templates lists the templates a runtime offers, or nil for an unknown or
// custom runtime.
func Templates(runtime string) []string {
	return slices.Clone(runtimes[runtime].Templates)
}

// handlerFor resolves the handler file a source must contain; required is
// false when none is needed (custom runtime).
func handlerFor(src Source, attr string) (name string, required bool, err error) {
	if src.Runtime == CustomRuntime {
		return "", false, nil
	}
	if _, known := runtimes[src.Runtime]; !known {
		return "", false, inputErr(attr, "",
			"unknown runtime %q: use one of %v, or %q for a container image", src.Runtime, Runtimes(), CustomRuntime)
	}
	name, ok := HandlerFile(src.Runtime, src.Template)
	if !ok {
		return "", false, inputErr(attr, "",
			"runtime %q has no template %q: use one of %v", src.Runtime, src.Template, Templates(src.Runtime))
	}
	return name, true, nil
}
