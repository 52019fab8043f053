// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// wholeNumberType is the type of the config block's whole-number
// attributes (DESIGN.md#validation-and-defaults). It is types.Int64Type but
// for one thing: a number that is not a whole int64 (128.5, 1e30) is still
// read, so that the value itself can say which attribute is wrong and why.
// types.Int64Type cannot read it at all, and the framework then adds, beside
// any clear message, a "Configuration Read Error" that calls the user's typo
// a bug in the provider. Terraform sees a number either way, so state and
// plans are the same as with types.Int64Type.
type wholeNumberType struct {
	basetypes.Int64Type
}

var (
	_ basetypes.Int64Typable      = wholeNumberType{}
	_ basetypes.Int64Valuable     = wholeNumber{}
	_ xattr.ValidateableAttribute = wholeNumber{}
)

func (t wholeNumberType) Equal(o attr.Type) bool {
	_, ok := o.(wholeNumberType)
	return ok
}

func (t wholeNumberType) String() string { return "wholeNumberType" }

func (t wholeNumberType) ValueType(context.Context) attr.Value { return wholeNumber{} }

func (t wholeNumberType) ValueFromInt64(_ context.Context, v basetypes.Int64Value) (basetypes.Int64Valuable, diag.Diagnostics) {
	return wholeNumber{Int64Value: v}, nil
}

func (t wholeNumberType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	if in.Type() != nil && in.Type().Is(tftypes.Number) && in.IsKnown() && !in.IsNull() {
		var n big.Float
		if err := in.As(&n); err != nil {
			return nil, err
		}
		if _, exact := n.Int64(); !n.IsInt() || exact != big.Exact {
			return wholeNumber{Int64Value: basetypes.NewInt64Unknown(), notWhole: &n}, nil
		}
	}
	v, err := t.Int64Type.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	n, ok := v.(basetypes.Int64Value)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return wholeNumber{Int64Value: n}, nil
}

// wholeNumber is a value of wholeNumberType. A configured number that is
// not a whole int64 is kept in notWhole, with the Int64Value unknown, so
// that no validator and no plan reads it as a number; ValidateAttribute
// then fails the configuration on that attribute.
type wholeNumber struct {
	basetypes.Int64Value
	notWhole *big.Float
}

// wholeNumberValue is a known whole number.
func wholeNumberValue(v int64) wholeNumber {
	return wholeNumber{Int64Value: basetypes.NewInt64Value(v)}
}

func (v wholeNumber) Type(context.Context) attr.Type { return wholeNumberType{} }

func (v wholeNumber) Equal(o attr.Value) bool {
	other, ok := o.(wholeNumber)
	if !ok || (v.notWhole == nil) != (other.notWhole == nil) {
		return false
	}
	if v.notWhole != nil {
		return v.notWhole.Cmp(other.notWhole) == 0
	}
	return v.Int64Value.Equal(other.Int64Value)
}

func (v wholeNumber) ToTerraformValue(ctx context.Context) (tftypes.Value, error) {
	if v.notWhole != nil {
		return tftypes.NewValue(tftypes.Number, v.notWhole), nil
	}
	return v.Int64Value.ToTerraformValue(ctx)
}

func (v wholeNumber) ToInt64Value(context.Context) (basetypes.Int64Value, diag.Diagnostics) {
	return v.Int64Value, nil
}

func (v wholeNumber) String() string {
	if v.notWhole != nil {
		return v.notWhole.Text('g', 10)
	}
	return v.Int64Value.String()
}

// ValidateAttribute fails a number that is not a whole int64, naming the
// attribute and giving its default as an example.
func (v wholeNumber) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.notWhole == nil {
		return
	}
	name := "the value"
	example := int64(defaultMemoryMB)
	if step, _ := req.Path.Steps().LastStep(); step != nil {
		if attribute, ok := step.(path.PathStepAttributeName); ok {
			name = string(attribute)
			for _, c := range configIntegers {
				if c.name == name {
					example = c.fallback
				}
			}
		}
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Not a whole number",
		fmt.Sprintf("%s must be a whole number (such as %d); %s is not.", name, example, v.notWhole.Text('g', 10)))
}
