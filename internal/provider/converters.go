// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// Conversions between Go values and the framework's, shared by every
// resource and data source.

// stringMap is a map attribute as Go strings; null and unknown give an empty
// map.
func stringMap(ctx context.Context, m types.Map) (map[string]string, diag.Diagnostics) {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out, nil
	}
	diags := m.ElementsAs(ctx, &out, false)
	return out, diags
}

// stringList is a list attribute as Go strings; null and unknown give an
// empty list.
func stringList(ctx context.Context, l types.List) ([]string, diag.Diagnostics) {
	out := []string{}
	if l.IsNull() || l.IsUnknown() {
		return out, nil
	}
	diags := l.ElementsAs(ctx, &out, false)
	return out, diags
}

// mapValue is a map of strings as a known map attribute (empty, not null,
// for a nil map).
func mapValue(in map[string]string) types.Map {
	vals := make(map[string]attr.Value, len(in))
	for k, v := range in {
		vals[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, vals)
}

// listValue is a list of strings as a known list attribute (empty, not null,
// for a nil slice).
func listValue(in []string) types.List {
	vals := make([]attr.Value, 0, len(in))
	for _, v := range in {
		vals = append(vals, types.StringValue(v))
	}
	return types.ListValueMust(types.StringType, vals)
}

// optionalString is null for "", the API's way of saying "none".
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// nonNil is an empty slice for nil, so a list attribute is empty, not null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// nilIfEmpty makes an empty map equal to a nil one for maps.Equal.
func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// userMetadata drops the keys the platform reserves for itself (OpenFaaS's
// com.openfaas.*): users cannot set them, so any the server adds must not show
// as a diff on every plan.
func userMetadata(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		if !strings.HasPrefix(k, reservedMetadataPrefix) {
			out[k] = v
		}
	}
	return out
}

// configAttrTypes are the attributes of the resource's config block.
var configAttrTypes = map[string]attr.Type{
	"memory_mb":       wholeNumberType{},
	"timeout_seconds": wholeNumberType{},
	"replicas":        wholeNumberType{},
	"hardware_type":   types.StringType,
	"min_scale":       wholeNumberType{},
	"max_scale":       wholeNumberType{},
}

var configObjectType = types.ObjectType{AttrTypes: configAttrTypes}

// configList is the config block holding cfg.
func configList(cfg *faas.FunctionConfig) types.List {
	return types.ListValueMust(configObjectType, []attr.Value{configObject(cfg)})
}

func configObject(cfg *faas.FunctionConfig) types.Object {
	return types.ObjectValueMust(configAttrTypes, map[string]attr.Value{
		"memory_mb":       wholeNumberValue(cfg.MemoryMB),
		"timeout_seconds": wholeNumberValue(cfg.TimeoutSeconds),
		"replicas":        wholeNumberValue(cfg.Replicas),
		"hardware_type":   types.StringValue(cfg.HardwareType),
		"min_scale":       wholeNumberValue(cfg.MinScale),
		"max_scale":       wholeNumberValue(cfg.MaxScale),
	})
}

// emptyConfigList is the config block left out.
func emptyConfigList() types.List { return types.ListValueMust(configObjectType, []attr.Value{}) }
