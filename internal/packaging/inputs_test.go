// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

var handlerOnly = map[string]file{"handler.py": {content: "def handle(e, c): pass\n"}}

func TestDirMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	wantInputError(t, Source{Dir: missing, Runtime: "python3.11"}, AttrPath, "", "does not exist: set code_path to an existing directory")
}

func TestDirIsAFile(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "f.zip"), []byte("x"))
	wantInputError(t, Source{Dir: path, Runtime: "python3.11"}, AttrPath, "", "is not a directory")
}

func TestDirEmpty(t *testing.T) {
	wantInputError(t, Source{Dir: t.TempDir(), Runtime: "python3.11"}, AttrPath, "", "holds no files once excludes are applied")
}

func TestDirEmptyAfterExcludes(t *testing.T) {
	dir := newTree(t, map[string]file{".git/HEAD": {content: "ref"}, "x.pyc": {content: "b"}, "notes.md": {content: "n"}})
	wantInputError(t, Source{Dir: dir, Runtime: "custom", Excludes: []string{"*.md"}}, AttrPath, "", "holds no files")
}

func TestDirHandlerMissing(t *testing.T) {
	dir := newTree(t, map[string]file{"main.py": {content: "x"}, "src/handler.py": {content: "y"}})
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11", Template: "flask"}, AttrPath, "handler.py",
		"no handler.py at its root, which runtime python3.11 expects: add it; found src/handler.py: point code_path at the folder that holds it")
	// The custom runtime needs no handler.
	mustHash(t, Source{Dir: dir, Runtime: "custom"})
}

func TestDirRuntimeTemplateMismatch(t *testing.T) {
	dir := newTree(t, handlerOnly)
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11", Template: "go"}, AttrPath, "", `runtime "python3.11" has no template "go"`)
}

// TestDirUnreadableFile replaces the opener: CI runs as root, who can read
// files whatever their mode.
func TestDirUnreadableFile(t *testing.T) {
	dir := newTree(t, map[string]file{"handler.py": {content: "x"}, "secret.txt": {content: "y"}})
	orig := openFile
	t.Cleanup(func() { openFile = orig })
	openFile = func(path string) (io.ReadCloser, error) {
		if filepath.Base(path) == "secret.txt" {
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
		}
		return orig(path)
	}
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "secret.txt", "cannot be read: permission denied; make it readable or exclude it")
}

func TestDirUnreadableFileByMode(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads files whatever their mode; TestDirUnreadableFile covers this")
	}
	dir := newTree(t, map[string]file{"handler.py": {content: "x"}, "secret.txt": {content: "y"}})
	if err := os.Chmod(filepath.Join(dir, "secret.txt"), 0); err != nil {
		t.Fatal(err)
	}
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "secret.txt", "cannot be read")
}

func TestDirTooLarge(t *testing.T) {
	dir := newTree(t, handlerOnly)
	sparse := filepath.Join(dir, "big.bin")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxUncompressedSize + 1); err != nil { // sparse: costs no disk or time
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "big.bin", "past E2E's 200.0 MB limit")
}

// TestBuildCompressedLimit: Hash cannot know the compressed size of a
// directory's archive; Build must refuse one over the limit (lowered here so
// a small tree reaches it).
func TestBuildCompressedLimit(t *testing.T) {
	dir := newTree(t, map[string]file{"handler.py": {content: "x"}, "random.bin": {content: pseudoRandom(7, 20_000)}})
	orig := archiveLimit
	t.Cleanup(func() { archiveLimit = orig })
	archiveLimit = 10_000
	src := Source{Dir: dir, Runtime: "python3.11"}
	mustHash(t, src)
	a, err := Build(src)
	if a != nil {
		a.Close()
	}
	checkInputError(t, "Build", err, AttrPath, "", ArchiveTooLargeText(0))
}

// TestBuildStoresOverRatioEntries: a file of zeros would deflate past 100:1,
// which CheckArchive refuses; Build stores it instead.
func TestBuildStoresOverRatioEntries(t *testing.T) {
	dir := newTree(t, map[string]file{"handler.py": {content: "x"}, "zeros.bin": {content: string(make([]byte, RatioThreshold+1))}})
	a := mustBuild(t, Source{Dir: dir, Runtime: "python3.11"})
	zr, err := zip.OpenReader(a.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == "zeros.bin" && f.Method != zip.Store {
			t.Fatalf("zeros.bin method %d, want Store", f.Method)
		}
	}
	data, _ := os.ReadFile(a.Path)
	if err := CheckArchive(bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("CheckArchive: %v", err)
	}
}

func TestDirBadNames(t *testing.T) {
	dir := newTree(t, map[string]file{"handler.py": {content: "x"}, `a\b.py`: {content: "y"}})
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, `a\b.py`, "backslash")
	dir = newTree(t, map[string]file{"handler.py": {content: "x"}, "new\nline.py": {content: "y"}})
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "new\nline.py", "control character")
}

func TestArchiveMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.zip")
	wantInputError(t, Source{ArchivePath: missing, Runtime: "python3.11"}, AttrArchive, "", "does not exist: set code_archive to an existing .zip file")
}

func TestArchiveIsADirectory(t *testing.T) {
	wantInputError(t, Source{ArchivePath: t.TempDir(), Runtime: "python3.11"}, AttrArchive, "", "is a directory, not a .zip file: set code_path")
}

func TestArchiveNotZip(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "code.zip"), []byte("def handle(): pass\n"))
	wantInputError(t, Source{ArchivePath: path, Runtime: "python3.11"}, AttrArchive, "", "not a valid ZIP archive")
}

func TestArchiveTooLarge(t *testing.T) {
	path := sparseFile(t, "big.zip", MaxArchiveSize+1)
	wantInputError(t, Source{ArchivePath: path, Runtime: "python3.11"}, AttrArchive, "", ArchiveTooLargeText(MaxArchiveSize+1))
}

func TestArchiveEmpty(t *testing.T) {
	path := zipFileOf(t, []zipEntry{{name: "src/", mode: os.ModeDir | 0o755}})
	wantInputError(t, Source{ArchivePath: path, Runtime: "python3.11"}, AttrArchive, "", "holds no files")
}

func TestArchiveHandlerMissing(t *testing.T) {
	path := zipFileOf(t, []zipEntry{{name: "myfunc/handler.js", content: "x"}, {name: "myfunc/package.json", content: "{}"}})
	wantInputError(t, Source{ArchivePath: path, Runtime: "node20"}, AttrArchive, "handler.js",
		"found myfunc/handler.js: zip the folder's contents rather than the folder itself")
	mustHash(t, Source{ArchivePath: path, Runtime: "custom"})
}

func TestArchiveBadEntries(t *testing.T) {
	handler := zipEntry{name: "handler.py", content: "x"}
	cases := []struct {
		name    string
		entries []zipEntry
		entry   string
		want    string
	}{
		{"dotdot", []zipEntry{handler, {name: "../evil.py", content: "x"}}, "../evil.py", `".." component`},
		{"nested dotdot", []zipEntry{handler, {name: "a/../../evil.py", content: "x"}}, "a/../../evil.py", `".." component`},
		{"absolute", []zipEntry{handler, {name: "/etc/cron.d/x", content: "x"}}, "/etc/cron.d/x", "absolute path"},
		{"drive", []zipEntry{handler, {name: "C:/x.py", content: "x"}}, "C:/x.py", "absolute path"},
		{"backslash", []zipEntry{handler, {name: `..\evil.py`, content: "x"}}, `..\evil.py`, "backslash"},
		{"dot", []zipEntry{handler, {name: "a/./b.py", content: "x"}}, "a/./b.py", `"." path component`},
		{"empty component", []zipEntry{handler, {name: "a//b.py", content: "x"}}, "a//b.py", "empty"},
		{"dir entry escaping", []zipEntry{handler, {name: "../up/", mode: os.ModeDir | 0o755}}, "../up/", `".." component`},
		{"symlink", []zipEntry{handler, {name: "link", content: "/etc/passwd", mode: os.ModeSymlink | 0o777}}, "link", "symbolic link"},
		{"fifo", []zipEntry{handler, {name: "pipe", mode: os.ModeNamedPipe | 0o644}}, "pipe", "not a regular file"},
		{"duplicate", []zipEntry{handler, {name: "a.py", content: "1"}, {name: "a.py", content: "2"}}, "a.py", "more than once"},
		{"file and dir", []zipEntry{handler, {name: "a", content: "1"}, {name: "a/b", content: "2"}}, "a", "both a file and a directory"},
		{"file and dir entry", []zipEntry{handler, {name: "a", content: "1"}, {name: "a/", mode: os.ModeDir | 0o755}}, "a", "both a file and a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := zipFileOf(t, c.entries)
			wantInputError(t, Source{ArchivePath: path, Runtime: "python3.11"}, AttrArchive, c.entry, c.want)
			data, _ := os.ReadFile(path)
			checkInputError(t, "CheckArchive", CheckArchive(bytes.NewReader(data), int64(len(data))), AttrArchive, c.entry, c.want)
		})
	}
}

// rawZip writes entries with caller-chosen headers and raw (already
// compressed) data, to forge what normal tools would not write.
type rawEntry struct {
	fh   zip.FileHeader
	data []byte
}

func makeRawZip(t testing.TB, entries []rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		fh := e.fh
		w, err := zw.CreateRaw(&fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func storedRaw(name, content string) rawEntry {
	return rawEntry{fh: zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc32.ChecksumIEEE([]byte(content)),
		CompressedSize64: uint64(len(content)), UncompressedSize64: uint64(len(content))}, data: []byte(content)}
}

func TestArchiveEncryptedAndUnknownMethod(t *testing.T) {
	enc := storedRaw("secret.py", "x")
	enc.fh.Flags |= 0x1
	bz := storedRaw("data.bz2", "x")
	bz.fh.Method = 12
	for _, c := range []struct {
		e     rawEntry
		entry string
		want  string
	}{{enc, "secret.py", "is encrypted"}, {bz, "data.bz2", "compression method 12"}} {
		data := makeRawZip(t, []rawEntry{storedRaw("handler.py", "x"), c.e})
		path := writeFile(t, filepath.Join(t.TempDir(), "c.zip"), data)
		wantInputError(t, Source{ArchivePath: path, Runtime: "python3.11"}, AttrArchive, c.entry, c.want)
	}
}

func TestArchiveCorruptChecksum(t *testing.T) {
	bad := storedRaw("handler.py", "hello")
	bad.fh.CRC32 ^= 1
	data := makeRawZip(t, []rawEntry{bad})
	err := CheckArchive(bytes.NewReader(data), int64(len(data)))
	checkInputError(t, "CheckArchive", err, AttrArchive, "handler.py", "fails its checksum")
}

func TestArchiveShortEntry(t *testing.T) {
	// Declares more bytes than the stored data holds.
	short := storedRaw("handler.py", "hello")
	short.fh.UncompressedSize64 = 10
	data := makeRawZip(t, []rawEntry{short})
	err := CheckArchive(bytes.NewReader(data), int64(len(data)))
	checkInputError(t, "CheckArchive", err, AttrArchive, "handler.py", "holds less data than its header declares")
}
