// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package packaging

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// blockDeadline bounds how long a call given a named pipe may take. It is a
// liveness check, not a timing assertion: a fixed call returns at once, a
// broken one blocks in open(2) forever, so any generous bound tells them apart.
const blockDeadline = 10 * time.Second

func mkfifo(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("cannot create a named pipe here: %v", err)
	}
	return path
}

// specialFileOps are the calls that read a source from disk.
func specialFileOps(src Source) []sourceOp {
	return append(archiveOps(src),
		sourceOp{"ReadSingleFile", func() error { _, err := ReadSingleFile(src, "requirements.txt"); return err }})
}

// errStillBlocked is what returnsPromptly returns for a call that did not.
var errStillBlocked = errors.New("still blocked")

// returnsPromptly runs call in a goroutine and returns its error, or marks
// the test failed and returns errStillBlocked if it has not returned within
// blockDeadline. A call that blocked in open(2) on fifo is released by
// opening the pipe's write end, so the goroutine does not outlive the test.
func returnsPromptly(t *testing.T, op, fifo string, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	timer := time.NewTimer(blockDeadline)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		t.Errorf("%s: still blocked after %v on the named pipe %s", op, blockDeadline, filepath.Base(fifo))
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		select { // released, or stuck for good: the test has failed either way
		case err := <-done:
			_ = err // the call's answer no longer matters
		case <-time.After(blockDeadline):
		}
		return errStillBlocked
	}
}

// wantNotRegular runs every op that reads src and checks each returns
// promptly with an *InputError saying the entry is not a regular file.
func wantNotRegular(t *testing.T, src Source, fifo, attr, entry string) {
	t.Helper()
	for _, op := range specialFileOps(src) {
		if err := returnsPromptly(t, op.name, fifo, op.run); !errors.Is(err, errStillBlocked) {
			checkInputError(t, op.name, err, attr, entry, "is not a regular file")
		}
	}
}

func TestArchiveIsANamedPipe(t *testing.T) {
	fifo := mkfifo(t, filepath.Join(t.TempDir(), "code.zip"))
	wantNotRegular(t, Source{ArchivePath: fifo, Runtime: "python3.11"}, fifo, AttrArchive, "")
}

// TestArchiveLinkToNamedPipe: a link is followed, and its target checked.
func TestArchiveLinkToNamedPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, filepath.Join(dir, "pipe"))
	link := filepath.Join(dir, "code.zip")
	symlink(t, fifo, link)
	wantNotRegular(t, Source{ArchivePath: link, Runtime: "python3.11"}, fifo, AttrArchive, "")
}

func TestArchiveIsADevice(t *testing.T) {
	if _, err := os.Stat("/dev/null"); err != nil {
		t.Skip("no /dev/null")
	}
	wantInputError(t, Source{ArchivePath: "/dev/null", Runtime: "python3.11"}, AttrArchive, "", "is not a regular file")
}

func TestFaasignoreIsANamedPipe(t *testing.T) {
	dir := newTree(t, handlerOnly)
	fifo := mkfifo(t, filepath.Join(dir, ignoreFileName))
	wantNotRegular(t, Source{Dir: dir, Runtime: "python3.11"}, fifo, AttrPath, ignoreFileName)
}

func TestFaasignoreLinkToNamedPipe(t *testing.T) {
	dir := newTree(t, handlerOnly)
	fifo := mkfifo(t, filepath.Join(dir, "sub", "pipe"))
	symlink(t, "sub/pipe", filepath.Join(dir, ignoreFileName))
	wantNotRegular(t, Source{Dir: dir, Runtime: "python3.11"}, fifo, AttrPath, ignoreFileName)
}

// TestFileReplacedByNamedPipe: a file that turns into a named pipe between
// the walk, which saw a regular file, and the read must not block the read.
func TestFileReplacedByNamedPipe(t *testing.T) {
	dir := newTree(t, map[string]file{"handler.py": {content: "x"}, "lib.py": {content: "y"}})
	c, err := collect(Source{Dir: dir, Runtime: "python3.11"})
	if err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(dir, "lib.py")
	if err := os.Remove(lib); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, lib)
	if err := returnsPromptly(t, "hashEntries", lib, func() error { _, err := hashEntries(c); return err }); !errors.Is(err, errStillBlocked) {
		checkInputError(t, "hashEntries", err, AttrPath, "lib.py", "is not a regular file")
	}
}
