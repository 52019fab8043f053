// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"math/big"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// as is v as a T, failing the test when it is not.
func as[T any](t *testing.T, v any) T {
	t.Helper()
	typed, ok := v.(T)
	if !ok {
		t.Fatalf("%T is not a %T", v, typed)
	}
	return typed
}

// functionType is e2e_faas_function's object type.
func functionType(t *testing.T) tftypes.Object {
	ctx := context.Background()
	return as[tftypes.Object](t, functionSchema(ctx).Type().TerraformType(ctx))
}

// functionObject is an e2e_faas_function object with the given attributes
// and every other one null.
func functionObject(t *testing.T, set map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	objType := functionType(t)
	values := map[string]tftypes.Value{}
	for name, typ := range objType.AttributeTypes {
		values[name] = tftypes.NewValue(typ, nil)
		if v, ok := set[name]; ok {
			values[name] = v
		}
	}
	return tftypes.NewValue(objType, values)
}

func TestModelCodecMatchesFramework(t *testing.T) {
	ctx := context.Background()
	s := functionSchema(ctx)
	objType := functionType(t)
	configType := as[tftypes.Object](t, as[tftypes.List](t, objType.AttributeTypes["config"]).ElementType)
	num := func(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, new(big.Float).SetInt64(n)) }
	str := func(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	strList := tftypes.List{ElementType: tftypes.String}
	strMap := tftypes.Map{ElementType: tftypes.String}
	timeoutsType := as[tftypes.Object](t, objType.AttributeTypes["timeouts"])
	timeoutsValues := map[string]tftypes.Value{}
	for name, typ := range timeoutsType.AttributeTypes {
		timeoutsValues[name] = tftypes.NewValue(typ, nil)
	}
	timeoutsValues["create"] = str("5m")

	cases := map[string]tftypes.Value{
		"nulls": functionObject(t, nil),
		"full": functionObject(t, map[string]tftypes.Value{
			"id": str("f-1"), "name": str("fn"), "runtime": str("python3.11"), "code_inline": str("def handle(e, c): pass"),
			"code_excludes": tftypes.NewValue(strList, []tftypes.Value{str("*.tmp")}),
			"config": tftypes.NewValue(tftypes.List{ElementType: configType}, []tftypes.Value{tftypes.NewValue(configType, map[string]tftypes.Value{
				"memory_mb": num(256), "timeout_seconds": num(60), "replicas": num(2), "hardware_type": str("cpu"), "min_scale": num(0), "max_scale": num(3),
			})}),
			"environment":      tftypes.NewValue(strMap, map[string]tftypes.Value{"A": str("b")}),
			"secrets":          tftypes.NewValue(strList, []tftypes.Value{str("token")}),
			"labels":           tftypes.NewValue(strMap, map[string]tftypes.Value{}),
			"invocation_count": num(7),
			"timeouts":         tftypes.NewValue(timeoutsType, timeoutsValues),
		}),
		"unknowns": functionObject(t, map[string]tftypes.Value{
			"name": str("fn"), "status": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
			"secrets":          tftypes.NewValue(strList, tftypes.UnknownValue),
			"environment":      tftypes.NewValue(strMap, map[string]tftypes.Value{"A": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}),
			"invocation_count": tftypes.NewValue(tftypes.Number, tftypes.UnknownValue),
		}),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			var want, got functionModel
			if diags := (tfsdk.State{Schema: s, Raw: raw}).Get(ctx, &want); diags.HasError() {
				t.Fatalf("framework Get: %v", diags)
			}
			if !decodeModel(ctx, s.Type(), raw, &got) {
				t.Fatal("decodeModel fell back to the framework for e2e_faas_function's model")
			}
			wantV, gotV := reflect.ValueOf(want), reflect.ValueOf(got)
			for i := range wantV.NumField() {
				if !wantV.Type().Field(i).IsExported() {
					continue
				}
				w, ok := wantV.Field(i).Interface().(attr.Value)
				if !ok {
					continue
				}
				if g := as[attr.Value](t, gotV.Field(i).Interface()); !w.Equal(g) || reflect.TypeOf(w) != reflect.TypeOf(g) {
					t.Errorf("%s: decoded %v (%T), the framework reads %v (%T)", wantV.Type().Field(i).Name, g, g, w, w)
				}
			}
			encoded, ok := encodeModel(ctx, s.Type(), &got)
			if !ok {
				t.Fatal("encodeModel fell back to the framework for e2e_faas_function's model")
			}
			framework := tfsdk.State{Schema: s}
			if diags := framework.Set(ctx, &want); diags.HasError() {
				t.Fatalf("framework Set: %v", diags)
			}
			if !encoded.Equal(framework.Raw) || !encoded.Equal(raw) {
				t.Errorf("encoded %v\nthe framework writes %v\nfrom %v", encoded, framework.Raw, raw)
			}
		})
	}
}

// A model the codec does not cover goes to the framework, errors included.
func TestModelCodecFallsBack(t *testing.T) {
	ctx := context.Background()
	s := functionSchema(ctx)
	raw := functionObject(t, map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "fn")})
	var plain struct {
		Name string `tfsdk:"name"`
	}
	if decodeModel(ctx, s.Type(), raw, &plain) {
		t.Fatal("decodeModel took a struct with a plain string field")
	}
	if diags := getState(ctx, tfsdk.State{Schema: s, Raw: raw}, &plain); !diags.HasError() {
		t.Fatal("getState of a struct missing most attributes reported nothing; the framework refuses it")
	}
	if _, ok := encodeModel(ctx, s.Type(), &plain); ok {
		t.Fatal("encodeModel took a struct with a plain string field")
	}
}

func TestCountSetAndNoBlocks(t *testing.T) {
	str := func(v any) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	one := functionObject(t, map[string]tftypes.Value{"code_inline": str("x"), "code_path": str(tftypes.UnknownValue)})
	if n := countSet(one, codeSources...); n != 1 {
		t.Errorf("one source set and one unknown: countSet = %d, want 1", n)
	}
	two := functionObject(t, map[string]tftypes.Value{"code_inline": str("x"), "code_path": str(".")})
	if n := countSet(two, codeSources...); n != 2 {
		t.Errorf("two sources: countSet = %d, want 2", n)
	}
	if n := countSet(functionObject(t, nil), "code_inline", "no_such"); n != -1 {
		t.Errorf("a name the object lacks: countSet = %d, want -1", n)
	}
	if !noBlocks(functionObject(t, nil), "config") {
		t.Error("a null config block list is not seen as no blocks")
	}
	listType := functionType(t).AttributeTypes["config"]
	if noBlocks(functionObject(t, map[string]tftypes.Value{"config": tftypes.NewValue(listType, tftypes.UnknownValue)}), "config") {
		t.Error("an unknown config block list is taken for no blocks")
	}
}
