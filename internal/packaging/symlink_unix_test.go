// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package packaging

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestSymlinksFollowed(t *testing.T) {
	dir := newTree(t, map[string]file{
		"handler.py":      {content: "x"},
		"shared/util.py":  {content: "u"},
		"shared/tool.sh":  {content: "#!/bin/sh\n", exec: true},
		"real/handler.js": {content: "j"},
	})
	symlink(t, "shared/util.py", filepath.Join(dir, "util.py"))           // file link
	symlink(t, "../shared", filepath.Join(dir, "lib", "vendored"))        // directory link
	symlink(t, filepath.Join(dir, "shared"), filepath.Join(dir, "abs"))   // absolute, still inside
	symlink(t, "../shared/tool.sh", filepath.Join(dir, "bin", "tool.sh")) // keeps the target's mode
	got := entryNamesWithModes(t, Source{Dir: dir, Runtime: "python3.11"})
	want := []string{
		"abs/tool.sh -rwxr-xr-x", "abs/util.py -rw-r--r--",
		"bin/tool.sh -rwxr-xr-x",
		"handler.py -rw-r--r--",
		"lib/vendored/tool.sh -rwxr-xr-x", "lib/vendored/util.py -rw-r--r--",
		"real/handler.js -rw-r--r--",
		"shared/tool.sh -rwxr-xr-x", "shared/util.py -rw-r--r--",
		"util.py -rw-r--r--",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("entries\n%q\nwant\n%q", got, want)
	}

	// A linked file and a copy of it give the same hash.
	copied := newTree(t, map[string]file{"handler.py": {content: "x"}, "util.py": {content: "u"}})
	linked := newTree(t, map[string]file{"handler.py": {content: "x"}, "real/util.py": {content: "u"}})
	symlink(t, "real/util.py", filepath.Join(linked, "util.py"))
	hc := mustHash(t, Source{Dir: copied, Runtime: "python3.11"})
	hl := mustHash(t, Source{Dir: linked, Runtime: "python3.11", Excludes: []string{"real/"}})
	if hc != hl {
		t.Fatalf("linked %s, copied %s", hl, hc)
	}
}

func entryNamesWithModes(t *testing.T, src Source) []string {
	t.Helper()
	return listing(t, mustBuild(t, src).Path)
}

// TestCodePathItselfALink: the root may be reached through a link.
func TestCodePathItselfALink(t *testing.T) {
	dir := newTree(t, handlerOnly)
	link := filepath.Join(t.TempDir(), "code")
	symlink(t, dir, link)
	if a, b := mustHash(t, Source{Dir: dir, Runtime: "python3.11"}), mustHash(t, Source{Dir: link, Runtime: "python3.11"}); a != b {
		t.Fatalf("%s != %s", a, b)
	}
}

func TestSymlinkEscapes(t *testing.T) {
	outside := newTree(t, map[string]file{"secret": {content: "s"}})
	dir := newTree(t, handlerOnly)
	symlink(t, filepath.Join(outside, "secret"), filepath.Join(dir, "creds"))
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "creds", "outside the directory")

	dir = newTree(t, handlerOnly)
	symlink(t, "../..", filepath.Join(dir, "sub", "up"))
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "sub/up", "outside the directory")

	// Excluding the link is the way out.
	mustHash(t, Source{Dir: dir, Runtime: "python3.11", Excludes: []string{"up"}})
}

func TestSymlinkLoops(t *testing.T) {
	dir := newTree(t, handlerOnly)
	symlink(t, "..", filepath.Join(dir, "sub", "parent"))
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "sub/parent", "symbolic link loop")

	dir = newTree(t, handlerOnly)
	symlink(t, ".", filepath.Join(dir, "self"))
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "self", "symbolic link loop")

	dir = newTree(t, handlerOnly)
	symlink(t, "b", filepath.Join(dir, "a"))
	symlink(t, "a", filepath.Join(dir, "b"))
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "a", "symbolic link loop")
}

func TestSymlinkBroken(t *testing.T) {
	dir := newTree(t, handlerOnly)
	symlink(t, "gone.py", filepath.Join(dir, "dangling"))
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "dangling", "broken symbolic link")
	mustHash(t, Source{Dir: dir, Runtime: "python3.11", Excludes: []string{"dangling"}})
	mustHash(t, Source{Dir: dir, Runtime: "python3.11", Excludes: []string{"dangling/"}})
}

func TestSpecialFiles(t *testing.T) {
	dir := newTree(t, handlerOnly)
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "pipe", "is not a regular file (it is a named pipe)")

	dir = newTree(t, handlerOnly)
	l, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		t.Skipf("unix sockets unavailable: %v", err)
	}
	defer l.Close()
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "sock", "is not a regular file (it is a socket)")

	dir = newTree(t, handlerOnly)
	symlink(t, "/dev/null", filepath.Join(dir, "null"))
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "null", "outside the directory")
}

func TestDeviceInsideTree(t *testing.T) {
	dir := newTree(t, handlerOnly)
	if err := syscall.Mknod(filepath.Join(dir, "null"), syscall.S_IFCHR|0o666, 0x103); err != nil {
		t.Skipf("cannot create a device node here: %v", err)
	}
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "null", "is not a regular file (it is a device)")
}
