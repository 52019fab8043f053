// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

//go:build !unix

package main

func openFileLimit() int { return 0 }
