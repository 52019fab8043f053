// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

//go:build !linux

package main

// hardenProcess does nothing off Linux: there, /proc and PR_SET_DUMPABLE do
// not exist, and other systems keep a process's environment from other
// processes of the same user in their own ways (macOS needs root to read
// another process's environment).
func hardenProcess() error { return nil }
