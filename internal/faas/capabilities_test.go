// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"encoding/json"
	"testing"
)

// What a dialect's capabilities say it never answers with, its answers do
// not carry; faas-v1's complete answers carry everything.
func TestAnswersMatchesWhatAnswersCarry(t *testing.T) {
	full := `{"name":"fn","status":"Running","runtime":"python3-http-debian","node_type":"cpu","memory":256,"timeout":30,` +
		`"code":"x","requirements":"","environment_variables":{},"secrets":[],"url":"http://x"}`
	partial, err := decodeMyAccountFunction(json.RawMessage(full), "fn")
	if err != nil {
		t.Fatal(err)
	}
	complete := &Function{Runtime: "python3.11", Config: &FunctionConfig{}}
	for _, c := range []struct {
		caps Capabilities
		f    *Function
	}{
		{(&MyAccountClient{}).Capabilities(), partial},
		{(&Client{}).Capabilities(), complete},
	} {
		for _, field := range []Field{FieldNamespace, FieldVersion, FieldInvocationCount, FieldRuntime, FieldMemory} {
			if got, want := c.f.Carries(field), c.caps.Answers(field); got != want {
				t.Errorf("%s: the answer carries it %v, the capabilities say %v", field, got, want)
			}
		}
	}
	if myAccount := (&MyAccountClient{}).Capabilities(); myAccount.Answers(FieldNamespace) || myAccount.Answers(FieldVersion) || myAccount.Answers(FieldInvocationCount) {
		t.Error("myaccount answers with namespace, version or invocation count")
	}
}
