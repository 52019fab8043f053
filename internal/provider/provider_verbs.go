// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
)

// Terraform 1.14's verbs: the action and the list resource. Terraform
// 1.11 to 1.13 (and OpenTofu) never ask for them, so they are invisible
// there; everything else of the provider works the same.
var _ provider.ProviderWithActions = (*e2eProvider)(nil)

func (p *e2eProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewInvokeAction,
	}
}

var _ provider.ProviderWithListResources = (*e2eProvider)(nil)

func (p *e2eProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewFunctionListResource,
	}
}
