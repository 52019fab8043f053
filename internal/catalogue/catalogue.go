// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package catalogue holds the runtimes of each API dialect, with every fact
// the rest of the project needs about them: the provider's validators and
// schema descriptions, packaging's handler file, the local server's
// catalogue and validation, and the local runner's language are all derived
// from [FaaSV1] and [MyAccount] (see DESIGN.md#runtime-catalogue). A test
// holds internal/api/openapi.yaml's runtime, template and hardware enums equal to
// [FaaSV1], and internal/api/myaccount.yaml's node types to [MyAccount]'s.
//
// The package is a leaf: it imports nothing of the project, so that any
// package, the provider and the local server alike, may import it.
//
// [FaaSV1] and [MyAccount] are read-only. Their methods, and [Catalogue.Lookup],
// return fresh copies that callers may keep and change.
package catalogue

import "slices"

// DefaultTemplate is the template of a function that names none. Every
// runtime offers it, first.
const DefaultTemplate = "http"

// CustomRuntime runs the user's own container image: it has no handler file
// and no inline form.
const CustomRuntime = "custom"

// Runtime is one runtime of a dialect.
type Runtime struct {
	// Name is the runtime's name on the wire (the slug, in MyAccount).
	Name string
	// Version is the language or framework release the runtime's image
	// carries; for [CustomRuntime], the version of the container contract.
	// Empty where the dialect does not tell (MyAccount).
	Version string
	// Templates are the templates the runtime offers, [DefaultTemplate]
	// first. The MyAccount dialect has no template field: its functions run
	// as DefaultTemplate.
	Templates []string
	// Hardware are the hardware types (node types) the runtime runs on. A
	// MyAccount runtime has exactly one, its [Runtime.NodeType].
	Hardware []string
	// Handler is the file, at the root of the code, that every template of
	// the runtime loads (the template supplies the server around it); empty
	// for [CustomRuntime]. Use [Runtime.HandlerFile], which is where a
	// handler that differed by template would be told apart.
	Handler string
	// RequirementsFile is the file from which the runtime installs the
	// code's dependencies (MyAccount's catalogue calls it label); empty
	// where none is known.
	RequirementsFile string
	// Language is the local runner's language for the runtime ("python",
	// "node" or "go"), or empty when the local server cannot run it.
	Language string
	// NotLocal says why the local server cannot run the runtime, when
	// Language is empty; it completes "not executable locally: ".
	NotLocal string
	// BoilerCode is the starter handler file the MyAccount catalogue
	// offers; empty in faas-v1.
	BoilerCode string
	// RequirementsCode is the starter requirements file the MyAccount
	// catalogue offers; empty in faas-v1.
	RequirementsCode string
}

// Offers says whether the runtime offers the template; empty means
// [DefaultTemplate].
func (r Runtime) Offers(template string) bool {
	if template == "" {
		template = DefaultTemplate
	}
	return slices.Contains(r.Templates, template)
}

// RunsOn says whether the runtime runs on the hardware type.
func (r Runtime) RunsOn(hardware string) bool {
	return slices.Contains(r.Hardware, hardware)
}

// HandlerFile returns the file, at the root of the code, that the template
// loads; an empty template means [DefaultTemplate]. ok is false when the
// runtime does not offer the template or has no handler file (the custom
// runtime).
func (r Runtime) HandlerFile(template string) (name string, ok bool) {
	if r.Handler == "" || !r.Offers(template) {
		return "", false
	}
	return r.Handler, true
}

// NodeType is the one hardware type of a MyAccount runtime; empty when the
// runtime has none or several.
func (r Runtime) NodeType() string {
	if len(r.Hardware) != 1 {
		return ""
	}
	return r.Hardware[0]
}

// clone copies r, slices included.
func (r Runtime) clone() Runtime {
	r.Templates = slices.Clone(r.Templates)
	r.Hardware = slices.Clone(r.Hardware)
	return r
}

// Catalogue is the runtimes of one dialect, in the dialect's order.
type Catalogue []Runtime

// Names lists the runtimes' names, in order.
func (c Catalogue) Names() []string {
	names := make([]string, len(c))
	for i, r := range c {
		names[i] = r.Name
	}
	return names
}

// Lookup finds the runtime of that name; the copy it returns is the
// caller's.
func (c Catalogue) Lookup(name string) (Runtime, bool) {
	i := slices.IndexFunc(c, func(r Runtime) bool { return r.Name == name })
	if i < 0 {
		return Runtime{}, false
	}
	return c[i].clone(), true
}

// Templates lists every template some runtime offers, each once, in the
// order first seen.
func (c Catalogue) Templates() []string {
	return union(c, func(r Runtime) []string { return r.Templates })
}

// Hardware lists every hardware type some runtime runs on, each once, in the
// order first seen.
func (c Catalogue) Hardware() []string {
	return union(c, func(r Runtime) []string { return r.Hardware })
}

// Clone copies the catalogue, for a caller that wants to keep or change it.
func (c Catalogue) Clone() Catalogue {
	out := make(Catalogue, len(c))
	for i, r := range c {
		out[i] = r.clone()
	}
	return out
}

func union(c Catalogue, values func(Runtime) []string) []string {
	var out []string
	for _, r := range c {
		for _, v := range values(r) {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}
