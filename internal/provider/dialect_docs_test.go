// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// The function's page states each dialect's values, as the dialects'
// capabilities hold them, and the default timeouts.
func TestFunctionDocsStateEachDialect(t *testing.T) {
	s := functionSchema(context.Background())
	block, ok := s.Blocks["config"].(schema.ListNestedBlock)
	if !ok {
		t.Fatalf("config is a %T", s.Blocks["config"])
	}
	config := block.NestedObject.Attributes
	memory := config["memory_mb"].GetMarkdownDescription()
	timeout := config["timeout_seconds"].GetMarkdownDescription()
	for _, m := range myAccountCapabilities.Limits.MemoryChoicesMB {
		if !strings.Contains(memory, fmt.Sprint(m)) {
			t.Errorf("memory_mb's description does not give the MyAccount size %d: %s", m, memory)
		}
	}
	for _, want := range []string{fmt.Sprint(minMemoryMB), fmt.Sprint(maxMemoryMB), "`myaccount`", "`faas-v1`"} {
		if !strings.Contains(memory, want) {
			t.Errorf("memory_mb's description lacks %q: %s", want, memory)
		}
	}
	for _, most := range []int64{myAccountCapabilities.Limits.TimeoutMaxSeconds, faasV1Capabilities.Limits.TimeoutMaxSeconds} {
		if !strings.Contains(timeout, fmt.Sprintf("1 to %d", most)) {
			t.Errorf("timeout_seconds's description does not give the limit %d: %s", most, timeout)
		}
	}
	id := s.Attributes["id"].GetMarkdownDescription()
	if !strings.Contains(id, "name") || !strings.Contains(id, "UUID") {
		t.Errorf("id's description does not give both forms: %s", id)
	}
	page := s.MarkdownDescription
	for _, want := range append(refusedAttributes(myAccountCapabilities),
		"create "+minutes(defaultCreateTimeout), "update "+minutes(defaultUpdateTimeout), "delete "+minutes(defaultDeleteTimeout),
		fmt.Sprintf("%d to %d characters, starting with a letter", myAccountCapabilities.Limits.NameMin, myAccountCapabilities.Limits.NameMax)) {
		if !strings.Contains(page, want) {
			t.Errorf("the function's description lacks %q", want)
		}
	}
	if got := refusedAttributes(faasV1Capabilities); len(got) != 0 {
		t.Errorf("faas-v1 refuses %v; it carries every attribute", got)
	}
}
