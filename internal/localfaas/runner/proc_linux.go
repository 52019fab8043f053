// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package runner

import (
	"syscall"
	"unsafe"
)

// setParentDeathSignal kills a worker whose server dies without stopping it
// (SIGKILL, a crash). Linux sends the signal when the thread that started
// the process exits; Go's threads live as long as the process here, as no
// goroutine of the server locks one.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }

// limitMemory caps the process's data segment (RLIMIT_DATA: heap, anonymous
// writable mappings, thread stacks) at mb MiB with prlimit(2). RLIMIT_AS
// would be the classic choice, but interpreters and runtimes reserve far
// more address space than they use, so it fails them at any useful size.
func limitMemory(pid, mb int) error {
	lim := syscall.Rlimit{Cur: uint64(mb) << 20, Max: uint64(mb) << 20}
	_, _, errno := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), uintptr(syscall.RLIMIT_DATA),
		uintptr(unsafe.Pointer(&lim)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
