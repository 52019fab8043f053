//go:build !linux

package main

// hardenProcess does nothing off Linux: there, /proc and PR_SET_DUMPABLE do
// not exist, and other systems keep a process's environment from other
// processes of the same user in their own ways (macOS needs root to read
// another process's environment).
func hardenProcess() error { return nil }
