// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBuildManyFilesRoundTrip runs enough files through the worker pool
// to keep the window full, and reads every entry back.
func TestBuildManyFilesRoundTrip(t *testing.T) {
	files := map[string]file{"handler.py": {content: "x"}}
	for i := range 300 {
		var content string
		switch i % 3 {
		case 0:
			content = strings.Repeat(fmt.Sprintf("line %d\n", i), i*3)
		case 1:
			content = pseudoRandom(uint64(i), i*11)
		}
		files[fmt.Sprintf("d%d/f%03d.txt", i%7, i)] = file{content: content, exec: i%10 == 0}
	}
	src := Source{Dir: newTree(t, files), Runtime: "python3.11"}
	a := mustBuild(t, src)
	if h := mustHash(t, src); h != a.SourceHash {
		t.Fatalf("Hash %s, SourceHash %s", h, a.SourceHash)
	}
	zr, err := zip.OpenReader(a.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != len(files) {
		t.Fatalf("%d entries, want %d", len(zr.File), len(files))
	}
	for _, f := range zr.File {
		want, ok := files[f.Name]
		if !ok {
			t.Fatalf("unexpected entry %s", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != want.content {
			t.Fatalf("%s: content differs (%v)", f.Name, err)
		}
		if exec := f.Mode().Perm() == 0o755; exec != want.exec {
			t.Fatalf("%s: mode %v", f.Name, f.Mode())
		}
	}
}

// TestNoTempFilesLeft: temp files go once the archive is closed, and at
// once when Build fails part-way.
func TestNoTempFilesLeft(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	files := map[string]file{"handler.py": {content: "x"}}
	for i := range 50 {
		files[fmt.Sprintf("f%02d.txt", i)] = file{content: strings.Repeat("y", 1000*i)}
	}
	dir := newTree(t, files)

	a, err := Build(Source{Dir: dir, Runtime: "python3.11"})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(a.Path) != tmp {
		t.Fatalf("archive at %s, not in TMPDIR", a.Path)
	}
	a.Close()
	assertEmpty(t, tmp)

	orig := openFile
	t.Cleanup(func() { openFile = orig })
	openFile = func(path string) (io.ReadCloser, error) {
		if filepath.Base(path) == "f25.txt" {
			return nil, os.ErrPermission
		}
		return orig(path)
	}
	if _, err := Build(Source{Dir: dir, Runtime: "python3.11"}); err == nil {
		t.Fatal("Build succeeded with an unreadable file")
	}
	assertEmpty(t, tmp)
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
}

func TestSpoolSpillsToFile(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	sp := newSpool(10)
	data := []byte(strings.Repeat("0123456789", 10))
	for i := 0; i < len(data); i += 7 {
		if _, err := sp.Write(data[i:min(i+7, len(data))]); err != nil {
			t.Fatal(err)
		}
	}
	if sp.file == nil || sp.size != int64(len(data)) {
		t.Fatalf("file %v size %d", sp.file, sp.size)
	}
	name := sp.file.Name()
	var out bytes.Buffer
	if err := sp.writeTo(&out, make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("spooled %q", out.Bytes())
	}
	sp.free()
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Fatalf("spool file left: %v", err)
	}
}

// TestIncompressibleProbe: a file whose first 64 KB are random is stored
// without deflating, even if the rest would deflate well; the decision
// depends on the content only, so the archive is still deterministic.
func TestIncompressibleProbe(t *testing.T) {
	mixed := pseudoRandom(3, probeSize) + strings.Repeat("compressible ", 20_000) // about 4:1 as a whole
	var text strings.Builder
	for i := range 20_000 {
		fmt.Fprintf(&text, "line %d\n", i)
	}
	dir := newTree(t, map[string]file{"handler.py": {content: "x"}, "mixed.bin": {content: mixed}, "text.txt": {content: text.String()}})
	a := mustBuild(t, Source{Dir: dir, Runtime: "python3.11"})
	zr, err := zip.OpenReader(a.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	methods := map[string]uint16{}
	for _, f := range zr.File {
		methods[f.Name] = f.Method
	}
	if methods["mixed.bin"] != zip.Store || methods["text.txt"] != zip.Deflate {
		t.Fatalf("methods %v", methods)
	}
	if b := mustBuild(t, Source{Dir: dir, Runtime: "python3.11"}); b.SHA256 != a.SHA256 {
		t.Fatal("archive differs between builds")
	}
}

func TestEntropy(t *testing.T) {
	if h := entropy([]byte(strings.Repeat("a", 100))); h != 0 {
		t.Errorf("entropy of one byte value = %v", h)
	}
	if h := entropy([]byte("abababab")); h != 1 {
		t.Errorf("entropy of two values = %v", h)
	}
	if h := entropy([]byte(pseudoRandom(1, probeSize))); h <= incompressibleBits {
		t.Errorf("entropy of random bytes = %v", h)
	}
	if h := entropy([]byte(goldenTree["lib/util.py"].content + goldenTree["handler.py"].content)); h > 5 {
		t.Errorf("entropy of source = %v", h)
	}
}

// A plan or apply of many functions packs each one: after the first, a
// build of a small handler reuses its buffers and compressor rather than
// allocating about 2.3 MB anew (a 1 MiB file buffer, two 256 KiB read
// buffers and deflate's state). Not parallel: it counts the whole process's
// allocations.
func TestSmallBuildsReuseBuffers(t *testing.T) {
	src := Source{Inline: "def handle(event, context):\n    return 1\n", Runtime: "python3.11", Template: "http"}
	build := func() {
		a, err := Build(src)
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
	}
	build()
	// About 20 KB a build when the pools keep everything. Under the race
	// detector (make test) sync.Pool drops a quarter of what it is given,
	// at random, and a GC empties the pools now and then, so some builds
	// allocate buffers afresh: 0.2 to 0.9 MB a build on average.
	// The quietest of several batches is well under 1 MiB either way;
	// without the pools every build takes the whole 2.3 MB.
	const batches, builds = 8, 10
	quietest := uint64(math.MaxUint64)
	for range batches {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range builds {
			build()
		}
		runtime.ReadMemStats(&after)
		quietest = min(quietest, (after.TotalAlloc-before.TotalAlloc)/builds)
	}
	t.Logf("a small build allocates %d KiB on average in the quietest batch", quietest>>10)
	if quietest > 1<<20 {
		t.Errorf("a small build allocates %d KiB on average even in the quietest batch, want under 1 MiB: its buffers are not reused", quietest>>10)
	}
}
