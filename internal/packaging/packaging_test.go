// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// The golden values pin the archive bytes. If a Go upgrade changes
// compress/flate's output they change: check the archives still unpack,
// then update them (source hashes must not change).
const (
	goldenTreeArchiveSHA256   = "ba3f294b8504d4469da52046019890483f0c6e0692cfc8da14dc0ab65e8808dc"
	goldenTreeSourceHash      = "sha256:b020a8e55e6b1ccad9a1dcfcc15374c3c4501063ed1d7fc431139da40fb09eb3"
	goldenInlineArchiveSHA256 = "228c674de12c6a7268c081ef4ed48627e7f4e957b534838b4331ad018882614a"
	goldenInlineSourceHash    = "sha256:a66a89f86bce9a35cb2f398e98d781e0141bdd1f74cb5ee9eacc904646fcdf37"
)

var goldenInline = Source{
	Inline:       "def handle(event, context):\n    return {\"statusCode\": 200, \"body\": \"hi\"}\n",
	Runtime:      "python3.11",
	Requirements: "requests==2.31.0\n",
}

func TestGoldenTreeArchive(t *testing.T) {
	src := Source{Dir: newTree(t, goldenTree), Runtime: "python3.11"}
	a := mustBuild(t, src)
	if a.SHA256 != goldenTreeArchiveSHA256 || a.SourceHash != goldenTreeSourceHash {
		t.Errorf("archive sha256 %s, source hash %s; golden %s, %s", a.SHA256, a.SourceHash, goldenTreeArchiveSHA256, goldenTreeSourceHash)
	}
	if h := mustHash(t, src); h != a.SourceHash {
		t.Errorf("Hash %s, Build's SourceHash %s", h, a.SourceHash)
	}
	want := []string{
		"bin/run.sh -rwxr-xr-x",
		"data/blob.bin -rw-r--r--",
		"empty.txt -rw-r--r--",
		"handler.py -rw-r--r--",
		"lib/util.py -rw-r--r--",
		"ünï/cödé.txt -rw-r--r--",
	}
	if got := listing(t, a.Path); !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
}

func TestGoldenInlineArchive(t *testing.T) {
	a := mustBuild(t, goldenInline)
	if a.SHA256 != goldenInlineArchiveSHA256 || a.SourceHash != goldenInlineSourceHash {
		t.Errorf("archive sha256 %s, source hash %s; golden %s, %s", a.SHA256, a.SourceHash, goldenInlineArchiveSHA256, goldenInlineSourceHash)
	}
	want := []string{"handler.py -rw-r--r--", "requirements.txt -rw-r--r--"}
	if got := listing(t, a.Path); !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
}

// TestSourceHashFormat pins the manifest format documented in doc.go.
func TestSourceHashFormat(t *testing.T) {
	manifest := "handler.py\x00644\x00" + sha256Hex(goldenInline.Inline) + "\n" +
		"requirements.txt\x00644\x00" + sha256Hex(goldenInline.Requirements) + "\n"
	want := "sha256:" + sha256Hex(manifest)
	if got := mustHash(t, goldenInline); got != want {
		t.Errorf("Hash = %s, want %s", got, want)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestArchiveHeadersNormalised reads the raw headers back: every detail the
// package documentation promises.
func TestArchiveHeadersNormalised(t *testing.T) {
	a := mustBuild(t, Source{Dir: newTree(t, goldenTree), Runtime: "python3.11"})
	zr, err := zip.OpenReader(a.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	want1980 := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(want1980) || f.ModifiedDate != dosDate1980 || f.ModifiedTime != 0 {
			t.Errorf("%s: modified %v", f.Name, f.Modified)
		}
		if len(f.Extra) != 0 || f.Comment != "" {
			t.Errorf("%s: extra %x comment %q", f.Name, f.Extra, f.Comment)
		}
		if f.CreatorVersion>>8 != 3 {
			t.Errorf("%s: creator %d, want Unix", f.Name, f.CreatorVersion>>8)
		}
		if f.Flags&0x8 != 0 {
			t.Errorf("%s: has a data descriptor", f.Name)
		}
		if strings.HasSuffix(f.Name, "/") || strings.Contains(f.Name, `\`) {
			t.Errorf("%s: directory entry or backslash", f.Name)
		}
		if p := f.Mode().Perm(); p != 0o644 && p != 0o755 || !f.Mode().IsRegular() {
			t.Errorf("%s: mode %v", f.Name, f.Mode())
		}
		switch f.Name {
		case "data/blob.bin", "empty.txt", "handler.py": // deflating would not shrink them
			if f.Method != zip.Store {
				t.Errorf("%s: method %d, want Store", f.Name, f.Method)
			}
		case "lib/util.py":
			if f.Method != zip.Deflate {
				t.Errorf("%s: method %d, want Deflate", f.Name, f.Method)
			}
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != goldenTree[f.Name].content {
			t.Errorf("%s: content differs (%v)", f.Name, err)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("entries not sorted: %q", names)
	}
	if zr.Comment != "" {
		t.Errorf("archive comment %q", zr.Comment)
	}
}

func TestArchiveOpenCloseAndSize(t *testing.T) {
	a, err := Build(goldenInline)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // retries read it again
		rc, err := a.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if int64(len(data)) != a.Size || hex.EncodeToString(sum[:]) != a.SHA256 {
			t.Fatalf("read %d bytes with sha256 %x; archive says %d, %s", len(data), sum, a.Size, a.SHA256)
		}
		if err := CheckArchive(bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("CheckArchive on a built archive: %v", err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a.Path); !os.IsNotExist(err) {
		t.Fatalf("temp file still there: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestBuildDeterministicAcrossMtimesAndCreationOrder(t *testing.T) {
	names := sortedNames(goldenTree)
	first := t.TempDir()
	writeTree(t, first, names, goldenTree)

	second := t.TempDir()
	reversed := slices.Clone(names)
	slices.Reverse(reversed)
	writeTree(t, second, reversed, goldenTree)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for i, n := range reversed {
		p := filepath.Join(second, filepath.FromSlash(n))
		if err := os.Chtimes(p, old, old.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}

	a := mustBuild(t, Source{Dir: first, Runtime: "python3.11"})
	again := mustBuild(t, Source{Dir: first, Runtime: "python3.11"})
	b := mustBuild(t, Source{Dir: second, Runtime: "python3.11"})
	if a.SHA256 != again.SHA256 || a.SHA256 != b.SHA256 || a.SourceHash != b.SourceHash {
		t.Fatalf("archives differ: %s %s %s", a.SHA256, again.SHA256, b.SHA256)
	}
	ab, _ := os.ReadFile(a.Path)
	bb, _ := os.ReadFile(b.Path)
	if !bytes.Equal(ab, bb) {
		t.Fatal("archive bytes differ")
	}
}

func TestHashUnchangedByTouch(t *testing.T) {
	dir := newTree(t, goldenTree)
	src := Source{Dir: dir, Runtime: "python3.11"}
	before := mustHash(t, src)
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "handler.py"), later, later); err != nil {
		t.Fatal(err)
	}
	if after := mustHash(t, src); after != before {
		t.Fatalf("hash changed on touch: %s -> %s", before, after)
	}
}

// TestRezippedArchiveSameHashAndBytes zips the golden files in other ways
// (reverse order, other timestamps, directory entries, extended-timestamp
// extra fields, stored entries) and expects the same source hash as the
// directory, and the same re-packed bytes.
func TestRezippedArchiveSameHashAndBytes(t *testing.T) {
	dirArchive := mustBuild(t, Source{Dir: newTree(t, goldenTree), Runtime: "python3.11"})

	names := sortedNames(goldenTree)
	var forward, backward []zipEntry
	for i, n := range names {
		f := goldenTree[n]
		mode := os.FileMode(0o644)
		if f.exec {
			mode = 0o755
		}
		forward = append(forward, zipEntry{name: n, content: f.content, mode: mode})
		backward = append(backward, zipEntry{name: n, content: f.content, mode: mode | 0o020, stored: i%2 == 0,
			modified: time.Date(2020, 1, 1, 0, 0, i, 0, time.Local)})
	}
	slices.Reverse(backward)
	backward = append([]zipEntry{{name: "bin/", mode: os.ModeDir | 0o755}, {name: "lib/", mode: os.ModeDir | 0o700}}, backward...)

	var hashes, shas []string
	for _, entries := range [][]zipEntry{forward, backward} {
		src := Source{ArchivePath: zipFileOf(t, entries), Runtime: "python3.11"}
		hashes = append(hashes, mustHash(t, src))
		shas = append(shas, mustBuild(t, src).SHA256)
	}
	for i := range hashes {
		if hashes[i] != dirArchive.SourceHash || shas[i] != dirArchive.SHA256 {
			t.Errorf("zip %d: hash %s sha %s; directory gives %s %s", i, hashes[i], shas[i], dirArchive.SourceHash, dirArchive.SHA256)
		}
	}
}

func TestHashChanges(t *testing.T) {
	base := mustHash(t, Source{Dir: newTree(t, goldenTree), Runtime: "python3.11"})
	edit := func(change func(map[string]file)) string {
		files := make(map[string]file, len(goldenTree))
		for k, v := range goldenTree {
			files[k] = v
		}
		change(files)
		return mustHash(t, Source{Dir: newTree(t, files), Runtime: "python3.11"})
	}
	cases := map[string]func(map[string]file){
		"edit":        func(f map[string]file) { f["lib/util.py"] = file{content: "X = 2\n"} },
		"add":         func(f map[string]file) { f["lib/new.py"] = file{content: ""} },
		"remove":      func(f map[string]file) { delete(f, "empty.txt") },
		"rename":      func(f map[string]file) { f["empty2.txt"] = f["empty.txt"]; delete(f, "empty.txt") },
		"make exec":   func(f map[string]file) { f["handler.py"] = file{content: f["handler.py"].content, exec: true} },
		"clear exec":  func(f map[string]file) { f["bin/run.sh"] = file{content: f["bin/run.sh"].content} },
		"move to dir": func(f map[string]file) { f["lib/empty.txt"] = f["empty.txt"]; delete(f, "empty.txt") },
	}
	seen := map[string]string{base: "base"}
	for name, change := range cases {
		h := edit(change)
		if prev, dup := seen[h]; dup {
			t.Errorf("%s: hash %s same as %s", name, h, prev)
		}
		seen[h] = name
	}
}

func TestInlineHandlerNames(t *testing.T) {
	cases := map[string]string{
		"python3.11": "handler.py", "pytorch2.1.2": "handler.py", "tensorflow2.19.0": "handler.py",
		"node20": "handler.js", "node18": "handler.js", "go1.21": "handler.go",
		"php8.2": "handler.php", "csharp7.0": "Handler.cs",
	}
	for runtime, want := range cases {
		a := mustBuild(t, Source{Inline: "code", Runtime: runtime})
		if got := listing(t, a.Path); !slices.Equal(got, []string{want + " -rw-r--r--"}) {
			t.Errorf("%s: entries %q, want %s", runtime, got, want)
		}
	}
}

func TestInlineRequirementsOnlyWhenSet(t *testing.T) {
	without := mustHash(t, Source{Inline: "x", Runtime: "node20"})
	with := mustHash(t, Source{Inline: "x", Runtime: "node20", Requirements: "left-pad\n"})
	if without == with {
		t.Fatal("requirements did not change the hash")
	}
}

func TestInlineErrors(t *testing.T) {
	wantInputError(t, Source{Inline: "x", Runtime: "custom"}, AttrInline, "", "has no inline form: put the code in a directory and set code_path")
	wantInputError(t, Source{Inline: "x", Runtime: "cobol"}, AttrInline, "", `unknown runtime "cobol"`)
}

func TestSourceMustSetOne(t *testing.T) {
	wantInputError(t, Source{Runtime: "python3.11"}, AttrInline, "", "no code given")
	wantInputError(t, Source{Inline: "x", Dir: ".", Runtime: "python3.11"}, AttrInline, "", "not code_inline and code_path")
}

// HandlerFile is the faas-v1 catalogue's answer (catalogue's TestHandlerFile
// holds the table), for every runtime and template; a runtime outside that
// catalogue has none.
func TestHandlerFileFollowsTheCatalogue(t *testing.T) {
	templates := append(catalogue.FaaSV1.Templates(), "", "nope")
	for _, rt := range catalogue.FaaSV1 {
		for _, template := range templates {
			name, ok := HandlerFile(rt.Name, template)
			wantName, wantOK := rt.HandlerFile(template)
			if name != wantName || ok != wantOK {
				t.Errorf("HandlerFile(%q, %q) = %q, %v; the catalogue says %q, %v", rt.Name, template, name, ok, wantName, wantOK)
			}
		}
	}
	for _, runtime := range []string{"ruby", "python3-http-debian"} {
		if name, ok := HandlerFile(runtime, ""); ok {
			t.Errorf("HandlerFile(%q) = %q for a runtime outside faas-v1's catalogue", runtime, name)
		}
	}
}

func TestInputErrorText(t *testing.T) {
	e := &InputError{Attribute: AttrPath, Entry: "a/b.py", Message: "is broken"}
	if got := e.Error(); got != `code_path: "a/b.py": is broken` {
		t.Errorf("Error() = %q", got)
	}
}
