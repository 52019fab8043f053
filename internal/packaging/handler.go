package packaging

import (
	"slices"
	"sort"
)

// DefaultTemplate is the template assumed when Source.Template is empty,
// matching the provider's default.
const DefaultTemplate = "http"

// CustomRuntime runs the user's own container image: it has no handler file
// and no inline form.
const CustomRuntime = "custom"

type runtimeInfo struct {
	handler   string
	templates []string
}

// runtimes maps each E2E runtime to its handler file and the templates it
// offers. Every template of a runtime loads the same handler file: the
// template supplies the server around it.
var runtimes = map[string]runtimeInfo{
	"python3.11":       {"handler.py", []string{"http", "flask", "fastapi"}},
	"pytorch2.1.2":     {"handler.py", []string{"http", "flask", "fastapi"}},
	"tensorflow2.19.0": {"handler.py", []string{"http", "flask", "fastapi"}},
	"node20":           {"handler.js", []string{"http", "node"}},
	"node18":           {"handler.js", []string{"http", "node"}},
	"go1.21":           {"handler.go", []string{"http", "go"}},
	"php8.2":           {"handler.php", []string{"http"}},
	"csharp7.0":        {"Handler.cs", []string{"http"}},
}

// HandlerFile returns the file, at the root of the archive, that the runtime's
// template loads: for example "handler.py" for python3.11 with template "http".
// An empty template means [DefaultTemplate]. ok is false for the custom
// runtime, for an unknown runtime and for a template the runtime does not
// offer, so the provider can use it to validate the pair.
func HandlerFile(runtime, template string) (name string, ok bool) {
	info, found := runtimes[runtime]
	if !found {
		return "", false
	}
	if template == "" {
		template = DefaultTemplate
	}
	if !slices.Contains(info.templates, template) {
		return "", false
	}
	return info.handler, true
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
	return slices.Clone(runtimes[runtime].templates)
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
