package localfaas

import "slices"

// runtimeInfo describes one runtime the platform offers.
type runtimeInfo struct {
	Name      string   `json:"name"`
	Version   string   `json:"version"`
	Templates []string `json:"templates"`
	Hardware  []string `json:"hardware"`
	// RunsLocally, a local-server extension, says whether the runner runs
	// the runtime's functions on this machine; absent without a runner.
	RunsLocally *bool `json:"runs_locally,omitempty"`
}

// runtimes is the catalogue served by GET runtimes and used to validate
// functions, in the order of the design's validation list. Versions are the
// language or framework release each runtime image carries; the custom
// runtime's is the version of the container contract (linux/amd64, non-root,
// listening on 8080).
var runtimes = []runtimeInfo{
	{Name: "python3.11", Version: "3.11.9", Templates: []string{"http", "flask", "fastapi"}, Hardware: []string{"cpu"}},
	{Name: "node20", Version: "20.18.0", Templates: []string{"http", "node"}, Hardware: []string{"cpu"}},
	{Name: "node18", Version: "18.20.4", Templates: []string{"http", "node"}, Hardware: []string{"cpu"}},
	{Name: "csharp7.0", Version: "7.0.20", Templates: []string{"http"}, Hardware: []string{"cpu"}},
	{Name: "php8.2", Version: "8.2.24", Templates: []string{"http"}, Hardware: []string{"cpu"}},
	{Name: "go1.21", Version: "1.21.13", Templates: []string{"http", "go"}, Hardware: []string{"cpu"}},
	{Name: "pytorch2.1.2", Version: "2.1.2", Templates: []string{"http"}, Hardware: []string{"cpu", "gpu"}},
	{Name: "tensorflow2.19.0", Version: "2.19.0", Templates: []string{"http"}, Hardware: []string{"cpu", "gpu"}},
	{Name: "custom", Version: "1.0", Templates: []string{"http"}, Hardware: []string{"cpu"}},
}

// templates and hardwareTypes are every value the contract accepts, whatever
// the runtime.
var (
	templates     = []string{"http", "flask", "fastapi", "node", "go"}
	hardwareTypes = []string{"cpu", "gpu"}
)

func lookupRuntime(name string) (runtimeInfo, bool) {
	i := slices.IndexFunc(runtimes, func(r runtimeInfo) bool { return r.Name == name })
	if i < 0 {
		return runtimeInfo{}, false
	}
	return runtimes[i], true
}

func runtimeNames() []string {
	names := make([]string, len(runtimes))
	for i, r := range runtimes {
		names[i] = r.Name
	}
	return names
}
