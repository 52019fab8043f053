package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// catalogue is the runtime catalogue, fetched at most once per provider run
// (a failed fetch is tried again by the next caller) and shared by every
// resource and data source of that provider instance.
type catalogue struct {
	mu       sync.Mutex
	runtimes []faas.Runtime
}

func (c *catalogue) get(ctx context.Context, client faas.API) ([]faas.Runtime, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runtimes != nil {
		return c.runtimes, nil
	}
	rts, err := client.ListRuntimes(ctx)
	if err != nil {
		return nil, err
	}
	if rts == nil {
		rts = []faas.Runtime{}
	}
	c.runtimes = rts
	return rts, nil
}

// checkAgainstCatalogue fails the plan when the region's catalogue does not
// offer the runtime, its template or its hardware. Values unknown at plan time
// are passed as "" and skipped.
func checkAgainstCatalogue(rts []faas.Runtime, runtime, template, hardware string, hardwarePath path.Path) diag.Diagnostics {
	var diags diag.Diagnostics
	if runtime == "" {
		return diags
	}
	i := slices.IndexFunc(rts, func(r faas.Runtime) bool { return r.Name == runtime })
	if i < 0 {
		names := make([]string, len(rts))
		for j, r := range rts {
			names[j] = r.Name
		}
		diags.AddAttributeError(path.Root("runtime"), "Runtime not offered here",
			fmt.Sprintf("The E2E runtime catalogue for this project and location has no %q. Available: %s.", runtime, strings.Join(names, ", ")))
		return diags
	}
	rt := rts[i]
	// A catalogue without templates (myaccount) leaves the template alone.
	if template != "" && len(rt.Templates) > 0 && !slices.Contains(rt.Templates, template) {
		diags.AddAttributeError(path.Root("template"), "Template not offered by the runtime",
			fmt.Sprintf("Runtime %s offers the templates %s; %q is not one of them.", runtime, strings.Join(rt.Templates, ", "), template))
	}
	if hardware != "" && !slices.Contains(rt.Hardware, hardware) {
		diags.AddAttributeError(hardwarePath, "Hardware not offered by the runtime",
			fmt.Sprintf("Runtime %s runs on %s; %q is not available for it. Choose a runtime that offers %s (see data.e2e_faas_runtimes).",
				runtime, strings.Join(rt.Hardware, ", "), hardware, hardware))
	}
	return diags
}
