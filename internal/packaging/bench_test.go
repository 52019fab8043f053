// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchTree writes a 10 MB tree of 500 files, four in five source-like
// text and one in five random bytes, and returns its directory and size.
// Only benchmarks use it: plain `go test` stays on small trees.
// bench/packaging/run.sh runs the 100 MB comparison with sha256sum and zip.
func benchTree(b *testing.B) (string, int64) {
	b.Helper()
	dir := b.TempDir()
	line := "    result = handler(event, context) if request else response.json(data, status=200)\n"
	var total int64
	for i := range 500 {
		size := 2_000 + (i*7919)%38_000
		var content string
		if i%5 == 4 {
			content = pseudoRandom(uint64(i), size)
		} else {
			content = strings.Repeat(fmt.Sprintf("%d", i)+line, size/len(line)+1)[:size]
		}
		path := filepath.Join(dir, fmt.Sprintf("pkg%02d", i%20), fmt.Sprintf("f%03d.py", i))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
		total += int64(size)
	}
	writeFile(b, filepath.Join(dir, "handler.py"), []byte("def handle(e, c): pass\n"))
	return dir, total
}

func BenchmarkHash(b *testing.B) {
	dir, size := benchTree(b)
	src := Source{Dir: dir, Runtime: "python3.11"}
	b.SetBytes(size)
	for b.Loop() {
		if _, err := Hash(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	dir, size := benchTree(b)
	src := Source{Dir: dir, Runtime: "python3.11"}
	b.SetBytes(size)
	for b.Loop() {
		a, err := Build(src)
		if err != nil {
			b.Fatal(err)
		}
		a.Close()
	}
}

// BenchmarkRepack re-packs a ZIP of the tree: Hash and Build of a
// code_archive inflate every entry.
func BenchmarkRepack(b *testing.B) {
	dir, size := benchTree(b)
	a, err := Build(Source{Dir: dir, Runtime: "python3.11"})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	src := Source{ArchivePath: a.Path, Runtime: "python3.11"}
	b.SetBytes(size)
	for b.Loop() {
		r, err := Build(src)
		if err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

func BenchmarkCheckArchive(b *testing.B) {
	dir, size := benchTree(b)
	a, err := Build(Source{Dir: dir, Runtime: "python3.11"})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	data, err := os.ReadFile(a.Path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	for b.Loop() {
		if err := CheckArchive(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}
