// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package catalogue_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// schemaOf returns a component schema of the document.
func schemaOf(t *testing.T, doc *openapi3.T, name string) *openapi3.Schema {
	t.Helper()
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		t.Fatalf("the document has no schema %s", name)
	}
	return ref.Value
}

// bounds is a schema's minimum and maximum, "-" where it has none.
func bounds(s *openapi3.Schema) string {
	f := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(int64(*v))
	}
	return f(s.Min) + ".." + f(s.Max)
}

// nameSchema is a name schema's length bounds and pattern.
func nameSchema(s *openapi3.Schema) string {
	maxLen := "-"
	if s.MaxLength != nil {
		maxLen = fmt.Sprint(*s.MaxLength)
	}
	return fmt.Sprintf("%d..%s %s", s.MinLength, maxLen, s.Pattern)
}

func nameLimits(l catalogue.Limits) string {
	return fmt.Sprintf("%d..%d %s", l.NameMin, l.NameMax, l.NamePattern)
}

// The faas-v1 limits are internal/api/openapi.yaml's.
func TestFaaSV1LimitsAreTheDocument(t *testing.T) {
	doc := load(t, api.Document())
	l := catalogue.FaaSV1Limits
	if got, want := nameSchema(schemaOf(t, doc, "FunctionName")), nameLimits(l); got != want {
		t.Errorf("openapi.yaml FunctionName is %s; FaaSV1Limits say %s", got, want)
	}
	cfg := schemaOf(t, doc, "FunctionConfig")
	for _, c := range []struct {
		field string
		want  string
	}{
		{"memory_mb", fmt.Sprintf("%d..%d", l.MemoryMinMB, l.MemoryMaxMB)},
		{"timeout_seconds", fmt.Sprintf("%d..%d", catalogue.TimeoutMinSeconds, l.TimeoutMaxSeconds)},
	} {
		p := cfg.Properties[c.field]
		if p == nil || p.Value == nil {
			t.Fatalf("FunctionConfig has no %s", c.field)
		}
		if got := bounds(p.Value); got != c.want {
			t.Errorf("openapi.yaml FunctionConfig.%s is %s; FaaSV1Limits say %s", c.field, got, c.want)
		}
	}
	if len(l.MemoryChoicesMB) != 0 {
		t.Errorf("faas-v1 has a memory range, not choices: %v", l.MemoryChoicesMB)
	}
}

// The MyAccount limits, and the project_id rule, are
// internal/api/myaccount.yaml's.
func TestMyAccountLimitsAreTheDocument(t *testing.T) {
	doc := load(t, api.MyAccountDocument())
	l := catalogue.MyAccountLimits
	if got, want := nameSchema(schemaOf(t, doc, "Name")), nameLimits(l); got != want {
		t.Errorf("myaccount.yaml Name is %s; MyAccountLimits say %s", got, want)
	}
	var memory []int64
	for _, v := range schemaOf(t, doc, "Memory").Enum {
		n, ok := v.(float64)
		if !ok {
			t.Fatalf("Memory enum value %v (%T) is not a number", v, v)
		}
		memory = append(memory, int64(n))
	}
	if !slices.Equal(memory, l.MemoryChoicesMB) {
		t.Errorf("myaccount.yaml Memory enum %v; MyAccountLimits say %v", memory, l.MemoryChoicesMB)
	}
	if got, want := bounds(schemaOf(t, doc, "Timeout")), fmt.Sprintf("%d..%d", catalogue.TimeoutMinSeconds, l.TimeoutMaxSeconds); got != want {
		t.Errorf("myaccount.yaml Timeout is %s; MyAccountLimits say %s", got, want)
	}
	p := doc.Components.Parameters["ProjectID"]
	if p == nil || p.Value == nil || p.Value.Schema == nil || p.Value.Schema.Value == nil {
		t.Fatal("myaccount.yaml has no ProjectID parameter")
	}
	if got := p.Value.Schema.Value.Pattern; got != catalogue.ProjectIDPattern {
		t.Errorf("myaccount.yaml project_id pattern %q; ProjectIDPattern is %q", got, catalogue.ProjectIDPattern)
	}
}

func TestMemoryAccepted(t *testing.T) {
	for _, c := range []struct {
		l    catalogue.Limits
		mb   int64
		want bool
	}{
		{catalogue.FaaSV1Limits, 64, true},
		{catalogue.FaaSV1Limits, 8192, true},
		{catalogue.FaaSV1Limits, 63, false},
		{catalogue.FaaSV1Limits, 8193, false},
		{catalogue.MyAccountLimits, 256, true},
		{catalogue.MyAccountLimits, 300, false},
	} {
		if got := c.l.MemoryAccepted(c.mb); got != c.want {
			t.Errorf("MemoryAccepted(%d) = %v under %+v", c.mb, got, c.l)
		}
	}
}

func TestJoinValues(t *testing.T) {
	for want, values := range map[string][]int64{
		"":                    nil,
		"200":                 {200},
		"128, 256, 512, 1024": catalogue.MyAccountLimits.MemoryChoicesMB,
	} {
		if got := catalogue.JoinValues(values); got != want {
			t.Errorf("JoinValues(%v) = %q, want %q", values, got, want)
		}
	}
}

func TestNameFits(t *testing.T) {
	for _, c := range []struct {
		l    catalogue.Limits
		name string
		want bool
	}{
		{catalogue.FaaSV1Limits, "1fn", true},
		{catalogue.FaaSV1Limits, "fn-", false},
		{catalogue.FaaSV1Limits, "ab", false},
		{catalogue.FaaSV1Limits, strings.Repeat("a", 63), true},
		{catalogue.FaaSV1Limits, strings.Repeat("a", 64), false},
		{catalogue.MyAccountLimits, "1fn", false},
		{catalogue.MyAccountLimits, strings.Repeat("a", 40), true},
		{catalogue.MyAccountLimits, strings.Repeat("a", 41), false},
	} {
		if got := c.l.NameFits(c.name); got != c.want {
			t.Errorf("NameFits(%q) = %v under %s", c.name, got, c.l.NamePattern)
		}
	}
}

// A project_id of 18 digits fits an int64 and passes; one of 19 may not,
// and is refused by every side alike.
func TestIsProjectID(t *testing.T) {
	for id, want := range map[string]bool{
		"12345": true, strings.Repeat("9", 18): true, "1" + strings.Repeat("0", 18): false,
		"0": false, "012": false, "": false, "-1": false, "1a": false,
	} {
		if got := catalogue.IsProjectID(id); got != want {
			t.Errorf("IsProjectID(%q) = %v", id, got)
		}
	}
}
