// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"strings"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// The text of the schema descriptions (and so of docs/) that says what holds
// under each API dialect (DESIGN.md#api-dialects). It is built from the
// dialects' capabilities and the provider's own limits and defaults, so a
// change of either changes the docs (and `make docs-check` notices).

var (
	faasV1Capabilities    = (&faas.Client{}).Capabilities()
	myAccountCapabilities = (&faas.MyAccountClient{}).Capabilities()
)

// joinOr is "a, b or c".
func joinOr(list []string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
}

// memoryText is the memory sizes a dialect accepts.
func memoryText(c faas.Capabilities) string {
	if len(c.Limits.MemoryChoicesMB) == 0 {
		return fmt.Sprintf("%d to %d", c.Limits.MemoryMinMB, c.Limits.MemoryMaxMB)
	}
	sizes := make([]string, len(c.Limits.MemoryChoicesMB))
	for i, m := range c.Limits.MemoryChoicesMB {
		sizes[i] = fmt.Sprint(m)
	}
	return joinOr(sizes)
}

// timeoutText is the execution timeouts a dialect accepts.
func timeoutText(c faas.Capabilities) string {
	return fmt.Sprintf("%d to %d", minTimeoutSeconds, c.Limits.TimeoutMaxSeconds)
}

// refusedAttributes are the function's attributes a dialect has no field
// for: setting one to other than its default fails the plan.
func refusedAttributes(c faas.Capabilities) []string {
	var out []string
	if !c.Templates {
		out = append(out, "`template`")
	}
	if !c.HandlerFunction {
		out = append(out, "`handler_function`")
	}
	if !c.Scaling {
		out = append(out, "`config.replicas`", "`config.min_scale`", "`config.max_scale`")
	}
	if !c.Metadata {
		out = append(out, "`labels`", "`annotations`")
	}
	return out
}

// notUnderMyAccount is the sentence an attribute's description ends with
// when the MyAccount API has no field for it.
const notUnderMyAccount = " Under the `myaccount` API only the default is accepted: any other value fails the plan."

// minutes is a default timeout as the timeouts block spells it ("15m").
func minutes(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return d.String()
}

// defaultTimeoutsText gives the function's default timeouts.
func defaultTimeoutsText() string {
	return fmt.Sprintf("Default timeouts: create %s, update %s, delete %s; set others in the `timeouts` block.",
		minutes(defaultCreateTimeout), minutes(defaultUpdateTimeout), minutes(defaultDeleteTimeout))
}

// functionDialectTable is the function resource's per-dialect summary.
func functionDialectTable() string {
	v1, ma := faasV1Capabilities, myAccountCapabilities
	refused := func(c faas.Capabilities) string {
		r := refusedAttributes(c)
		if len(r) == 0 {
			return "none"
		}
		return strings.Join(r, ", ") + " (other than their defaults)"
	}
	rows := [][3]string{
		{"", "`myaccount` (E2E's API, the default)", "`faas-v1` (the design's API)"},
		{"---", "---", "---"},
		{"`id`", "the function's name", "a UUID"},
		{"import by", "name", "ID, or `<name>.<namespace>`"},
		{"`name`", fmt.Sprintf("%d to %d characters, starting with a letter", ma.Limits.NameMin, ma.Limits.NameMax),
			fmt.Sprintf("%d to %d characters", v1.Limits.NameMin, v1.Limits.NameMax)},
		{"`config.memory_mb`", memoryText(ma), memoryText(v1)},
		{"`config.timeout_seconds`", timeoutText(ma), timeoutText(v1)},
		{"`config.hardware_type`", "the runtime's one node type", "`cpu` or `gpu`, as the runtime offers"},
		{"code", "one handler file, plus the runtime's requirements file", "a ZIP of any files"},
		{"updates", "one full update for any change", "only the changed group's endpoint"},
		{"refused (fails the plan)", refused(ma), refused(v1)},
		{"`namespace`, `version`, `invocation_count`", "null (the API has none)", "as the API reports them"},
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r[0], r[1], r[2])
	}
	return b.String()
}
