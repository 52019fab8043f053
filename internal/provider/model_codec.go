// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// A plan or state read into a model struct (Plan.Get, State.Set and the
// like) costs the framework a reflection walk that compiles a regular
// expression for every field on every call: with e2e_faas_function's 25
// fields that was about a sixth of the provider's CPU when planning 200
// functions (BENCHMARKS.md). The codec below does the same for models whose
// fields are all attr.Values, with the tfsdk tags read once per struct type.
// Whatever it does not cover (a field that is not an attr.Value, a value that
// validates itself, a type that does not match) goes to the framework's own
// Get and Set, so errors read as before.

// modelFields maps each tfsdk tag of a struct type to its field index; nil
// when a tagged field is not an attr.Value.
var modelFields sync.Map // reflect.Type -> map[string]int

var attrValueType = reflect.TypeFor[attr.Value]()

func fieldsOf(t reflect.Type) map[string]int {
	if f, ok := modelFields.Load(t); ok {
		fields, _ := f.(map[string]int)
		return fields
	}
	fields := map[string]int{}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("tfsdk")
		if tag == "-" || (!sf.IsExported() && tag == "") {
			continue
		}
		if !sf.IsExported() || tag == "" || !sf.Type.Implements(attrValueType) {
			fields = nil
			break
		}
		fields[tag] = i
	}
	modelFields.Store(t, fields)
	return fields
}

// decodeModel sets the fields of *target from raw, an object of typ, and
// reports whether it could; it leaves target alone when it could not.
func decodeModel(ctx context.Context, typ attr.Type, raw tftypes.Value, target any) bool {
	rv := reflect.ValueOf(target)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return false
	}
	elem := rv.Elem()
	fields := fieldsOf(elem.Type())
	objType, ok := typ.(attr.TypeWithAttributeTypes)
	if fields == nil || !ok || !raw.IsKnown() || raw.IsNull() {
		return false
	}
	attrTypes := objType.AttributeTypes()
	var raws map[string]tftypes.Value
	if len(attrTypes) != len(fields) || raw.As(&raws) != nil || len(raws) != len(fields) {
		return false
	}
	values := make(map[int]reflect.Value, len(fields))
	for name, at := range attrTypes {
		i, ok := fields[name]
		rawAttr, present := raws[name]
		if !ok || !present {
			return false
		}
		v, err := at.ValueFromTerraform(ctx, rawAttr)
		if err != nil {
			return false
		}
		if _, validates := v.(xattr.ValidateableAttribute); validates || reflect.TypeOf(v) != elem.Field(i).Type() {
			return false
		}
		// The framework runs a type's own check too (lists, maps and
		// int64s have one); anything it would say goes the framework's way.
		//nolint:staticcheck // xattr.TypeWithValidate is deprecated, but the framework still runs it.
		if tv, validates := at.(xattr.TypeWithValidate); validates && len(tv.Validate(ctx, rawAttr, path.Root(name))) > 0 {
			return false
		}
		values[i] = reflect.ValueOf(v)
	}
	for i, v := range values {
		elem.Field(i).Set(v)
	}
	return true
}

// encodeModel is the object of typ that the fields of model (a struct or a
// pointer to one) make, and whether it could build it.
func encodeModel(ctx context.Context, typ attr.Type, model any) (tftypes.Value, bool) {
	rv := reflect.ValueOf(model)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return tftypes.Value{}, false
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return tftypes.Value{}, false
	}
	fields := fieldsOf(rv.Type())
	objType, ok := typ.(attr.TypeWithAttributeTypes)
	if fields == nil || !ok {
		return tftypes.Value{}, false
	}
	attrTypes := objType.AttributeTypes()
	if len(attrTypes) != len(fields) {
		return tftypes.Value{}, false
	}
	values := make(map[string]tftypes.Value, len(fields))
	for name, at := range attrTypes {
		i, ok := fields[name]
		if !ok {
			return tftypes.Value{}, false
		}
		v, ok := rv.Field(i).Interface().(attr.Value)
		if !ok || v == nil {
			return tftypes.Value{}, false
		}
		if _, validates := v.(xattr.ValidateableAttribute); validates {
			return tftypes.Value{}, false
		}
		tv, err := v.ToTerraformValue(ctx)
		if err != nil || !tv.Type().Equal(at.TerraformType(ctx)) {
			return tftypes.Value{}, false
		}
		values[name] = tv
	}
	return tftypes.NewValue(typ.TerraformType(ctx), values), true
}

// getPlan is req.Plan.Get(ctx, target) without the framework's reflection.
func getPlan(ctx context.Context, p tfsdk.Plan, target any) diag.Diagnostics {
	if decodeModel(ctx, p.Schema.Type(), p.Raw, target) {
		return nil
	}
	return p.Get(ctx, target)
}

// getState is s.Get(ctx, target) without the framework's reflection.
func getState(ctx context.Context, s tfsdk.State, target any) diag.Diagnostics {
	if decodeModel(ctx, s.Schema.Type(), s.Raw, target) {
		return nil
	}
	return s.Get(ctx, target)
}

// setPlan is p.Set(ctx, model) without the framework's reflection.
func setPlan(ctx context.Context, p *tfsdk.Plan, model any) diag.Diagnostics {
	return setEncoded(ctx, p.Schema.Type(), p.Set, model)
}

// setState is s.Set(ctx, model) without the framework's reflection.
func setState(ctx context.Context, s *tfsdk.State, model any) diag.Diagnostics {
	return setEncoded(ctx, s.Schema.Type(), s.Set, model)
}

// setIdentity is i.Set(ctx, model) without the framework's reflection.
func setIdentity(ctx context.Context, i *tfsdk.ResourceIdentity, model any) diag.Diagnostics {
	return setEncoded(ctx, i.Schema.Type(), i.Set, model)
}

// setEncoded sets model, of type typ, through set: encoded by the codec,
// or as it is for the framework's reflection where the codec cannot.
func setEncoded(ctx context.Context, typ attr.Type, set func(context.Context, any) diag.Diagnostics, model any) diag.Diagnostics {
	if v, ok := encodeModel(ctx, typ, model); ok {
		return set(ctx, v)
	}
	return set(ctx, model)
}
