// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package catalogue_test

import (
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// enum returns the enum of the document's component schema, which must be
// a list of strings.
func enum(t *testing.T, doc *openapi3.T, schema string) []string {
	t.Helper()
	ref := doc.Components.Schemas[schema]
	if ref == nil || ref.Value == nil {
		t.Fatalf("the document has no schema %s", schema)
	}
	var out []string
	for _, v := range ref.Value.Enum {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("schema %s: enum value %v (%T) is not a string", schema, v, v)
		}
		out = append(out, s)
	}
	return out
}

func load(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// The faas-v1 contract's enums are the catalogue's lists, in its order.
func TestOpenAPIEnumsAreTheCatalogue(t *testing.T) {
	doc := load(t, api.Document())
	for _, c := range []struct {
		schema string
		want   []string
	}{
		{"Runtime", catalogue.FaaSV1.Names()},
		{"Template", catalogue.FaaSV1.Templates()},
		{"HardwareType", catalogue.FaaSV1.Hardware()},
	} {
		if got := enum(t, doc, c.schema); !slices.Equal(got, c.want) {
			t.Errorf("internal/api/openapi.yaml %s enum %v; the catalogue has %v", c.schema, got, c.want)
		}
	}
	// A create request's fields, and the config's, use those schemas.
	create := doc.Components.Schemas["CreateFunctionRequest"]
	cfg := doc.Components.Schemas["FunctionConfig"]
	if create == nil || cfg == nil {
		t.Fatal("the document has no CreateFunctionRequest or FunctionConfig schema")
	}
	for _, field := range []struct {
		schema *openapi3.SchemaRef
		name   string
		ref    string
	}{
		{create, "runtime", "#/components/schemas/Runtime"},
		{create, "template", "#/components/schemas/Template"},
		{cfg, "hardware_type", "#/components/schemas/HardwareType"},
	} {
		if p := field.schema.Value.Properties[field.name]; p == nil || p.Ref != field.ref {
			t.Errorf("%s is not a %s", field.name, field.ref)
		}
	}
}

// The MyAccount document's node types cover the catalogue's.
func TestMyAccountNodeTypesCoverTheCatalogue(t *testing.T) {
	nodeTypes := enum(t, load(t, api.MyAccountDocument()), "NodeType")
	for _, hw := range catalogue.MyAccount.Hardware() {
		if !slices.Contains(nodeTypes, hw) {
			t.Errorf("internal/api/myaccount.yaml NodeType enum %v lacks %s", nodeTypes, hw)
		}
	}
}
