// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// file is one file of a test tree.
type file struct {
	content string
	exec    bool
}

// writeTree creates files under dir in the given order of names.
func writeTree(t testing.TB, dir string, names []string, files map[string]file) {
	t.Helper()
	for _, name := range names {
		f := files[name]
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if f.exec {
			mode = 0o755
		}
		if err := os.WriteFile(path, []byte(f.content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // umask-proof
			t.Fatal(err)
		}
	}
}

func sortedNames(files map[string]file) []string {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// pseudoRandom returns n bytes from a fixed-seed generator.
func pseudoRandom(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return string(b)
}

// goldenTree is the fixed small tree the golden tests pin.
var goldenTree = map[string]file{
	"handler.py":    {content: "def handle(event, context):\n    return {\"statusCode\": 200, \"body\": \"hello\"}\n"},
	"lib/util.py":   {content: strings.Repeat("X = 1\n", 200)},
	"bin/run.sh":    {content: "#!/bin/sh\necho hi\n", exec: true},
	"data/blob.bin": {content: pseudoRandom(1, 4096)},
	"empty.txt":     {content: ""},
	"ünï/cödé.txt":  {content: "utf-8 names\n"},
}

func newTree(t testing.TB, files map[string]file) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, sortedNames(files), files)
	return dir
}

// zipEntry describes one entry of a hand-made test ZIP.
type zipEntry struct {
	name     string
	content  string
	mode     os.FileMode // 0 means 0644
	stored   bool        // Store rather than Deflate
	modified time.Time
}

// makeZip writes a ZIP with archive/zip's normal writer.
func makeZip(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: e.modified}
		if e.stored {
			fh.Method = zip.Store
		}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		fh.SetMode(mode)
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, e.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// zipFileOf writes a ZIP of entries into a temp dir and returns its path.
func zipFileOf(t testing.TB, entries []zipEntry) string {
	t.Helper()
	return writeFile(t, filepath.Join(t.TempDir(), "code.zip"), makeZip(t, entries))
}

// listing describes a built archive's entries as "name mode method".
func listing(t testing.TB, path string) []string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out []string
	for _, f := range zr.File {
		out = append(out, f.Name+" "+f.Mode().Perm().String())
	}
	return out
}

func mustHash(t testing.TB, src Source) string {
	t.Helper()
	h, err := Hash(src)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	return h
}

func mustBuild(t testing.TB, src Source) *Archive {
	t.Helper()
	a, err := Build(src)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// sourceOp is one call that reads a source, named for messages.
type sourceOp struct {
	name string
	run  func() error
}

// archiveOps are the calls that turn src into an archive or its hash.
func archiveOps(src Source) []sourceOp {
	return []sourceOp{
		{"Hash", func() error { _, err := Hash(src); return err }},
		{"Build", func() error {
			a, err := Build(src)
			if a != nil {
				a.Close()
			}
			return err
		}},
	}
}

// wantInputError checks both Hash and Build fail with an *InputError for
// attr and entry whose message contains want.
func wantInputError(t *testing.T, src Source, attr, entry, want string) {
	t.Helper()
	for _, op := range archiveOps(src) {
		checkInputError(t, op.name, op.run(), attr, entry, want)
	}
}

// sparseFile is a file of size bytes that takes no room on disk, for the
// size limits.
func sparseFile(t *testing.T, name string, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func checkInputError(t *testing.T, op string, err error, attr, entry, want string) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("%s: got %v (%T), want *InputError", op, err, err)
	}
	if ie.Attribute != attr || ie.Entry != entry || !strings.Contains(ie.Message, want) {
		t.Fatalf("%s: got {%q %q %q}, want attribute %q, entry %q, message containing %q",
			op, ie.Attribute, ie.Entry, ie.Message, attr, entry, want)
	}
}
