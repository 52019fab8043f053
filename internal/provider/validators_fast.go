// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// codeSources are the attributes of which exactly one holds the code.
var codeSources = []string{"code_path", "code_archive", "code_inline"}

// oneCodeSource is resourcevalidator.ExactlyOneOf over codeSources, asked
// only when the configuration does not plainly set exactly one of them: its
// path matching was about a tenth of the provider's CPU in a plan of 200
// functions (BENCHMARKS.md), and with one source set it finds nothing to
// report anyway. Its diagnostics are the validator's own.
type oneCodeSource struct{ resource.ConfigValidator }

func newOneCodeSource() oneCodeSource {
	exprs := make([]path.Expression, len(codeSources))
	for i, name := range codeSources {
		exprs[i] = path.MatchRoot(name)
	}
	return oneCodeSource{resourcevalidator.ExactlyOneOf(exprs...)}
}

func (v oneCodeSource) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if countSet(req.Config.Raw, codeSources...) == 1 {
		return
	}
	v.ConfigValidator.ValidateResource(ctx, req, resp)
}

// countSet is how many of the named attributes of the object raw are known
// and not null; -1 when raw is not a known object holding all of them.
func countSet(raw tftypes.Value, names ...string) int {
	var attrs map[string]tftypes.Value
	if !raw.IsKnown() || raw.IsNull() || raw.As(&attrs) != nil {
		return -1
	}
	n := 0
	for _, name := range names {
		v, ok := attrs[name]
		if !ok {
			return -1
		}
		if v.IsKnown() && !v.IsNull() {
			n++
		}
	}
	return n
}

// noBlocks reports whether the object raw plainly holds no block name: the
// list is null or known and empty.
func noBlocks(raw tftypes.Value, name string) bool {
	var attrs map[string]tftypes.Value
	if !raw.IsKnown() || raw.IsNull() || raw.As(&attrs) != nil {
		return false
	}
	v, ok := attrs[name]
	if !ok || !v.IsKnown() {
		return false
	}
	var list []tftypes.Value
	return v.IsNull() || (v.As(&list) == nil && len(list) == 0)
}
