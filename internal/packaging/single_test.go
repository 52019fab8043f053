// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mustReadSingle(t *testing.T, src Source, requirementsFile string) *SingleFile {
	t.Helper()
	sf, err := ReadSingleFile(src, requirementsFile)
	if err != nil {
		t.Fatalf("ReadSingleFile: %v", err)
	}
	return sf
}

func wantSingleFileError(t *testing.T, src Source, requirementsFile, attr, entry, want string) {
	t.Helper()
	_ = singleFileInputError(t, src, requirementsFile, attr, entry, want)
}

// singleFileInputError is wantSingleFileError for tests that look further
// into the error.
func singleFileInputError(t *testing.T, src Source, requirementsFile, attr, entry, want string) *InputError {
	t.Helper()
	_, err := ReadSingleFile(src, requirementsFile)
	checkInputError(t, "ReadSingleFile", err, attr, entry, want)
	var ie *InputError
	errors.As(err, &ie)
	return ie
}

func checkSingleFile(t *testing.T, got *SingleFile, want SingleFile) {
	t.Helper()
	if got.Name != want.Name || got.Code != want.Code || got.Requirements != want.Requirements || got.HasRequirements != want.HasRequirements {
		t.Fatalf("got {Name %q Code %q Requirements %q HasRequirements %v}, want {%q %q %q %v}",
			got.Name, got.Code, got.Requirements, got.HasRequirements, want.Name, want.Code, want.Requirements, want.HasRequirements)
	}
	if !strings.HasPrefix(got.SourceHash, HashPrefix) || len(got.SourceHash) != len(HashPrefix)+2*sha256.Size {
		t.Fatalf("SourceHash %q is not sha256:<hex>", got.SourceHash)
	}
	if want.SourceHash != "" && got.SourceHash != want.SourceHash {
		t.Fatalf("SourceHash %s, want %s", got.SourceHash, want.SourceHash)
	}
}

const (
	pyHandler = "def handle(event, context):\n    return \"hi\"\n"
	pyReqs    = "requests==2.31.0\n"
)

// TestSingleFileInline: inline code gives the hash of a directory holding
// it as InlineFileName, with the requirements under the runtime's
// requirements file name, whatever the runtime.
func TestSingleFileInline(t *testing.T) {
	for _, runtime := range []string{"python3-http-debian", "ruby", "dotnet8-csharp", "node18", "python3.11", "custom", ""} {
		sf := mustReadSingle(t, Source{Inline: pyHandler, Requirements: pyReqs, Runtime: runtime}, "requirements.txt")
		dir := newTree(t, map[string]file{InlineFileName: {content: pyHandler}, "requirements.txt": {content: pyReqs}})
		checkSingleFile(t, sf, SingleFile{Code: pyHandler, Requirements: pyReqs, HasRequirements: true,
			SourceHash: mustHash(t, Source{Dir: dir, Runtime: CustomRuntime})})
	}

	// Without requirements.
	sf := mustReadSingle(t, Source{Inline: pyHandler, Runtime: "python3-http-debian"}, "requirements.txt")
	dir := newTree(t, map[string]file{InlineFileName: {content: pyHandler}})
	checkSingleFile(t, sf, SingleFile{Code: pyHandler, SourceHash: mustHash(t, Source{Dir: dir, Runtime: CustomRuntime})})

	// The requirements are entered under the catalogue's name, or under
	// requirements.txt when it is unknown.
	js := "module.exports = async () => 'hi'\n"
	pkg := `{"dependencies": {}}`
	sf = mustReadSingle(t, Source{Inline: js, Requirements: pkg, Runtime: "node18"}, "package.json")
	dir = newTree(t, map[string]file{InlineFileName: {content: js}, "package.json": {content: pkg}})
	checkSingleFile(t, sf, SingleFile{Code: js, Requirements: pkg, HasRequirements: true,
		SourceHash: mustReadSingle(t, Source{Dir: dir}, "package.json").SourceHash})
	// A requirements file that sorts before InlineFileName.
	sf = mustReadSingle(t, Source{Inline: "puts 1\n", Requirements: "gem 'rack'\n", Runtime: "ruby"}, "Gemfile")
	dir = newTree(t, map[string]file{InlineFileName: {content: "puts 1\n"}, "Gemfile": {content: "gem 'rack'\n"}})
	checkSingleFile(t, sf, SingleFile{Code: "puts 1\n", Requirements: "gem 'rack'\n", HasRequirements: true,
		SourceHash: mustHash(t, Source{Dir: dir, Runtime: CustomRuntime})})

	unknown := mustReadSingle(t, Source{Inline: js, Requirements: pkg, Runtime: "node18"}, "")
	dir = newTree(t, map[string]file{InlineFileName: {content: js}, DefaultRequirementsFile: {content: pkg}})
	checkSingleFile(t, unknown, SingleFile{Code: js, Requirements: pkg, HasRequirements: true,
		SourceHash: mustHash(t, Source{Dir: dir, Runtime: CustomRuntime})})
}

// TestSingleFileInlineHashChanges: any edit of code or requirements changes
// the hash; the same texts give the same hash.
func TestSingleFileInlineHashChanges(t *testing.T) {
	hash := func(code, reqs string) string {
		return mustReadSingle(t, Source{Inline: code, Requirements: reqs, Runtime: "ruby"}, "Gemfile").SourceHash
	}
	base := hash("puts 1\n", "gem 'rack'\n")
	if again := hash("puts 1\n", "gem 'rack'\n"); again != base {
		t.Fatalf("same texts, hashes %s and %s", base, again)
	}
	seen := map[string]string{base: "base"}
	for name, h := range map[string]string{
		"code edited":          hash("puts 2\n", "gem 'rack'\n"),
		"requirements edited":  hash("puts 1\n", "gem 'sinatra'\n"),
		"requirements removed": hash("puts 1\n", ""),
	} {
		if prev, dup := seen[h]; dup {
			t.Errorf("%s: hash %s same as %s", name, h, prev)
		}
		seen[h] = name
	}
}

func TestSingleFileDirOneFile(t *testing.T) {
	dir := newTree(t, map[string]file{"main.py": {content: pyHandler}})
	sf := mustReadSingle(t, Source{Dir: dir, Runtime: "python3-http-debian", Requirements: "ignored for a directory"}, "requirements.txt")
	checkSingleFile(t, sf, SingleFile{Name: "main.py", Code: pyHandler, SourceHash: mustHash(t, Source{Dir: dir, Runtime: CustomRuntime})})

	// The one file may sit in a subdirectory.
	dir = newTree(t, map[string]file{"src/handler.rb": {content: "puts 1\n"}})
	sf = mustReadSingle(t, Source{Dir: dir, Runtime: "ruby"}, "Gemfile")
	checkSingleFile(t, sf, SingleFile{Name: "src/handler.rb", Code: "puts 1\n"})
}

// TestSingleFileDirWithRequirements: the hash is the one Hash gives for the
// same directory under a runtime this package knows.
func TestSingleFileDirWithRequirements(t *testing.T) {
	dir := newTree(t, map[string]file{"handler.py": {content: pyHandler}, "requirements.txt": {content: pyReqs}})
	sf := mustReadSingle(t, Source{Dir: dir, Runtime: "python3-http-debian"}, "requirements.txt")
	checkSingleFile(t, sf, SingleFile{Name: "handler.py", Code: pyHandler, Requirements: pyReqs, HasRequirements: true,
		SourceHash: mustHash(t, Source{Dir: dir, Runtime: "python3.11"})})

	// An empty requirements file is still one.
	dir = newTree(t, map[string]file{"handler.js": {content: "x"}, "package.json": {content: ""}})
	sf = mustReadSingle(t, Source{Dir: dir, Runtime: "node18"}, "package.json")
	checkSingleFile(t, sf, SingleFile{Name: "handler.js", Code: "x", HasRequirements: true})

	// The handler may sort after the requirements file.
	dir = newTree(t, map[string]file{"zz.py": {content: "z"}, "requirements.txt": {content: pyReqs}})
	sf = mustReadSingle(t, Source{Dir: dir}, "requirements.txt")
	checkSingleFile(t, sf, SingleFile{Name: "zz.py", Code: "z", Requirements: pyReqs, HasRequirements: true,
		SourceHash: mustHash(t, Source{Dir: dir, Runtime: CustomRuntime})})
}

func TestSingleFileDirTwoFiles(t *testing.T) {
	dir := newTree(t, map[string]file{"a.py": {content: "a"}, "b.py": {content: "b"}})
	ie := singleFileInputError(t, Source{Dir: dir, Runtime: "python3-http-debian"}, "requirements.txt", AttrPath, "",
		`the directory holds 2 files ("a.py", "b.py"), but the MyAccount API takes one handler file, plus optionally requirements.txt at the root`)
	if !strings.Contains(ie.Message, ".faasignore") {
		t.Errorf("message %q does not say how to leave files out", ie.Message)
	}

	// Requirements only count as such under the catalogue's name, at the root.
	for _, c := range []struct {
		files            map[string]file
		requirementsFile string
		want             string
	}{
		{map[string]file{"handler.py": {}, "requirements.txt": {}}, "",
			`holds 2 files ("handler.py", "requirements.txt"), but the MyAccount API takes one handler file: `},
		{map[string]file{"handler.js": {}, "package.json": {}, "requirements.txt": {}}, "package.json",
			`holds 3 files ("handler.js", "package.json", "requirements.txt")`},
		{map[string]file{"handler.py": {}, "lib/requirements.txt": {}}, "requirements.txt",
			`holds 2 files ("handler.py", "lib/requirements.txt")`},
	} {
		wantSingleFileError(t, Source{Dir: newTree(t, c.files)}, c.requirementsFile, AttrPath, "", c.want)
	}
}

func TestSingleFileNoHandler(t *testing.T) {
	dir := newTree(t, map[string]file{"requirements.txt": {content: pyReqs}})
	wantSingleFileError(t, Source{Dir: dir}, "requirements.txt", AttrPath, "",
		`the directory holds no handler file, only "requirements.txt": the MyAccount API takes one handler file`)
	wantSingleFileError(t, Source{Dir: t.TempDir()}, "requirements.txt", AttrPath, "", "holds no files")
	path := zipFileOf(t, []zipEntry{{name: "requirements.txt", content: pyReqs}})
	wantSingleFileError(t, Source{ArchivePath: path}, "requirements.txt", AttrArchive, "", "the archive holds no handler file")
}

func TestSingleFileListCapped(t *testing.T) {
	files := map[string]file{}
	for i := range 25 {
		files[fmt.Sprintf("f%02d.py", i)] = file{content: "x"}
	}
	ie := singleFileInputError(t, Source{Dir: newTree(t, files)}, "requirements.txt", AttrPath, "",
		`holds 25 files ("f00.py", "f01.py", `)
	if !strings.Contains(ie.Message, `"f19.py" and 5 more`) || strings.Contains(ie.Message, "f20.py") {
		t.Fatalf("message %q: want 20 names, then \"and 5 more\"", ie.Message)
	}
}

func TestSingleFileArchive(t *testing.T) {
	dir := newTree(t, map[string]file{"handler.py": {content: pyHandler}, "requirements.txt": {content: pyReqs}})
	want := SingleFile{Name: "handler.py", Code: pyHandler, Requirements: pyReqs, HasRequirements: true,
		SourceHash: mustReadSingle(t, Source{Dir: dir}, "requirements.txt").SourceHash}
	path := zipFileOf(t, []zipEntry{
		{name: "requirements.txt", content: pyReqs, stored: true, modified: time.Date(2021, 5, 6, 7, 8, 9, 0, time.UTC)},
		{name: "handler.py", content: pyHandler},
	})
	checkSingleFile(t, mustReadSingle(t, Source{ArchivePath: path, Runtime: "python3-http-debian"}, "requirements.txt"), want)
	if h := mustHash(t, Source{ArchivePath: path, Runtime: "python3.11"}); h != want.SourceHash {
		t.Fatalf("Hash %s, ReadSingleFile %s", h, want.SourceHash)
	}

	// One file in a folder, with directory entries.
	path = zipFileOf(t, []zipEntry{{name: "src/", mode: os.ModeDir | 0o755}, {name: "src/handler.rb", content: "puts 1\n"}})
	checkSingleFile(t, mustReadSingle(t, Source{ArchivePath: path, Runtime: "ruby"}, "Gemfile"),
		SingleFile{Name: "src/handler.rb", Code: "puts 1\n"})

	path = zipFileOf(t, []zipEntry{{name: "a.py", content: "a"}, {name: "b.py", content: "b"}, {name: "requirements.txt"}})
	wantSingleFileError(t, Source{ArchivePath: path}, "requirements.txt", AttrArchive, "",
		`the archive holds 3 files ("a.py", "b.py", "requirements.txt"), but the MyAccount API takes one handler file, plus optionally requirements.txt at the root: zip the handler alone`)
}

// TestSingleFileArchiveSafety: every ZIP rule of Hash and Build applies.
func TestSingleFileArchiveSafety(t *testing.T) {
	zeros := string(make([]byte, 4*RatioThreshold))
	cases := []struct {
		name    string
		entries []zipEntry
		entry   string
		want    string
	}{
		{"zip slip", []zipEntry{{name: "../handler.py", content: "x"}}, "../handler.py", `".." component`},
		{"absolute", []zipEntry{{name: "/handler.py", content: "x"}}, "/handler.py", "absolute path"},
		{"symlink", []zipEntry{{name: "handler.py", content: "/etc/passwd", mode: os.ModeSymlink | 0o777}}, "handler.py", "symbolic link"},
		{"duplicate", []zipEntry{{name: "handler.py", content: "1"}, {name: "handler.py", content: "2"}}, "handler.py", "more than once"},
		{"bomb", []zipEntry{{name: "handler.py", content: zeros}}, "handler.py", "compression bomb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantSingleFileError(t, Source{ArchivePath: zipFileOf(t, c.entries)}, "requirements.txt", AttrArchive, c.entry, c.want)
		})
	}

	// A header that understates the size is caught while reading.
	lie := storedRaw("handler.py", "hello, world")
	lie.fh.UncompressedSize64 = 5
	path := writeFile(t, filepath.Join(t.TempDir(), "c.zip"), makeRawZip(t, []rawEntry{lie}))
	wantSingleFileError(t, Source{ArchivePath: path}, "", AttrArchive, "handler.py", "holds more data than its header declares")

	// So is a corrupt entry.
	bad := storedRaw("handler.py", "hello")
	bad.fh.CRC32 ^= 1
	path = writeFile(t, filepath.Join(t.TempDir(), "c.zip"), makeRawZip(t, []rawEntry{bad}))
	wantSingleFileError(t, Source{ArchivePath: path}, "", AttrArchive, "handler.py", "fails its checksum")

	big := sparseFile(t, "big.zip", MaxArchiveSize+1)
	wantSingleFileError(t, Source{ArchivePath: big}, "", AttrArchive, "", ArchiveTooLargeText(MaxArchiveSize+1))
}

func TestSingleFileExcludes(t *testing.T) {
	dir := newTree(t, map[string]file{
		"handler.py":        {content: pyHandler},
		"requirements.txt":  {content: pyReqs},
		".faasignore":       {content: "*.md\n"},
		"README.md":         {content: "r"},
		".git/HEAD":         {content: "ref"},
		"__pycache__/h.pyc": {content: "b"},
		"tests/test_h.py":   {content: "t"},
	})
	src := Source{Dir: dir, Runtime: "python3-http-debian", Excludes: []string{"tests/"}}
	sf := mustReadSingle(t, src, "requirements.txt")
	src.Runtime = "python3.11"
	checkSingleFile(t, sf, SingleFile{Name: "handler.py", Code: pyHandler, Requirements: pyReqs, HasRequirements: true,
		SourceHash: mustHash(t, src)})

	// Without the Excludes the test file counts.
	wantSingleFileError(t, Source{Dir: dir}, "requirements.txt", AttrPath, "",
		`holds 3 files ("handler.py", "requirements.txt", "tests/test_h.py")`)
}

// TestSingleFileHashStable: the hash follows content, names and modes, and
// nothing else (mtimes, creation order).
func TestSingleFileHashStable(t *testing.T) {
	base := map[string]file{"handler.py": {content: pyHandler}, "requirements.txt": {content: pyReqs}}
	hashOf := func(files map[string]file) string {
		return mustReadSingle(t, Source{Dir: newTree(t, files)}, "requirements.txt").SourceHash
	}
	want := hashOf(base)

	dir := t.TempDir()
	writeTree(t, dir, []string{"requirements.txt", "handler.py"}, base)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "handler.py"), old, old); err != nil {
		t.Fatal(err)
	}
	if got := mustReadSingle(t, Source{Dir: dir}, "requirements.txt").SourceHash; got != want {
		t.Fatalf("other mtimes and order: %s, want %s", got, want)
	}

	seen := map[string]string{want: "base"}
	for name, files := range map[string]map[string]file{
		"handler edited":       {"handler.py": {content: pyHandler + "# more\n"}, "requirements.txt": {content: pyReqs}},
		"requirements edited":  {"handler.py": {content: pyHandler}, "requirements.txt": {content: "flask\n"}},
		"requirements removed": {"handler.py": {content: pyHandler}},
		"handler renamed":      {"main.py": {content: pyHandler}, "requirements.txt": {content: pyReqs}},
		"handler executable":   {"handler.py": {content: pyHandler, exec: true}, "requirements.txt": {content: pyReqs}},
	} {
		h := hashOf(files)
		if prev, dup := seen[h]; dup {
			t.Errorf("%s: hash %s same as %s", name, h, prev)
		}
		seen[h] = name
	}
}

func TestSingleFileNotUTF8(t *testing.T) {
	dir := newTree(t, map[string]file{"handler.py": {content: "ok\xff\xfe"}})
	wantSingleFileError(t, Source{Dir: dir}, "requirements.txt", AttrPath, "handler.py", "is not valid UTF-8 text (at byte 2)")

	dir = newTree(t, map[string]file{"handler.py": {content: "ok"}, "requirements.txt": {content: "caf\xe9\n"}})
	wantSingleFileError(t, Source{Dir: dir}, "requirements.txt", AttrPath, "requirements.txt", "is not valid UTF-8 text (at byte 3)")

	path := zipFileOf(t, []zipEntry{{name: "Handler.cs", content: "\x00\x80"}})
	wantSingleFileError(t, Source{ArchivePath: path}, "Function.csproj", AttrArchive, "Handler.cs", "is not valid UTF-8 text (at byte 1)")

	wantSingleFileError(t, Source{Inline: "x = '\xc3'"}, "", AttrInline, "", "the code is not valid UTF-8 text (at byte 5)")
	wantSingleFileError(t, Source{Inline: "x", Requirements: "\xff"}, "", AttrInline, "", "the requirements are not valid UTF-8 text (at byte 0)")

	// Valid multi-byte text passes.
	checkSingleFile(t, mustReadSingle(t, Source{Inline: "print('héllo ✓')"}, ""), SingleFile{Code: "print('héllo ✓')"})
}

func TestSingleFileTooLarge(t *testing.T) {
	dir := newTree(t, map[string]file{"requirements.txt": {content: pyReqs}})
	f, err := os.Create(filepath.Join(dir, "handler.py"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxSingleFileSize); err != nil { // sparse: costs no disk or time
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	wantSingleFileError(t, Source{Dir: dir}, "requirements.txt", AttrPath, "",
		fmt.Sprintf("come to %d bytes", MaxSingleFileSize+int64(len(pyReqs))))

	// A file that grows after it was listed is stopped while it is read.
	w := &textWriter{buf: new(bytes.Buffer), sum: sha256.New(), before: MaxSingleFileSize - 2, attr: AttrPath}
	if _, err := w.Write([]byte("ab")); err != nil {
		t.Fatalf("within the limit: %v", err)
	}
	_, err = w.Write([]byte("c"))
	checkInputError(t, "Write", err, AttrPath, "", fmt.Sprintf("come to %d bytes", MaxSingleFileSize+1))
}

func TestSingleFileSourceErrors(t *testing.T) {
	wantSingleFileError(t, Source{}, "", AttrInline, "", "no code given")
	wantSingleFileError(t, Source{Inline: "x", ArchivePath: "a.zip"}, "", AttrInline, "", "not code_inline and code_archive")
	wantSingleFileError(t, Source{Dir: filepath.Join(t.TempDir(), "nope")}, "", AttrPath, "", "does not exist")
	wantSingleFileError(t, Source{ArchivePath: t.TempDir()}, "", AttrArchive, "", "is a directory, not a .zip file")

	for _, name := range []string{"deps/requirements.txt", "..", "a\x00b"} {
		_, err := ReadSingleFile(Source{Inline: "x"}, name)
		var ie *InputError
		if err == nil || errors.As(err, &ie) {
			t.Errorf("requirements file %q: got %v, want an error that is not an *InputError", name, err)
		}
	}
}

func TestArchiveTooLargeText(t *testing.T) {
	for _, c := range []struct {
		size int64
		want string
	}{
		{MaxArchiveSize + 1, "the archive is 50000001 bytes (50.0 MB), more than E2E's limit of 50000000 bytes (50.0 MB): remove what the function does not need"},
		{0, "the archive would be larger than E2E's limit of 50000000 bytes (50.0 MB): remove what the function does not need"},
	} {
		if got := ArchiveTooLargeText(c.size); got != c.want {
			t.Errorf("ArchiveTooLargeText(%d) = %q, want %q", c.size, got, c.want)
		}
	}
}

// JSONTextSize is the size encoding/json (without HTML escaping) gives a
// string, quotes left out.
func TestJSONTextSize(t *testing.T) {
	for _, s := range []string{
		"", "plain", `a "quoted" \ path`, "<b>&amp;</b>", "tab\tnew\nline\r\x00\x01\x1f\x7f\b\f",
		"héllo wörld ✓ 𝄞", "\u2028\u2029", "bad \xff\xfe utf-8", strings.Repeat(`"`, 100),
	} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := int64(buf.Len() - 3) // the quotes and the newline
		if got := JSONTextSize(s); got != want {
			t.Errorf("JSONTextSize(%q) = %d, want %d", s, got, want)
		}
	}
}

// Texts within the raw limit whose JSON form passes it (a handler heavy in
// quotes) are refused at plan time, as inline code and from a directory.
func TestSingleFileEncodedSizeLimit(t *testing.T) {
	code := "x = '" + strings.Repeat(`"`, int(MaxSingleFileSize/2)+10) + "'\n"
	if int64(len(code)) > MaxSingleFileSize {
		t.Fatalf("the test's code is %d bytes, past the raw limit", len(code))
	}
	_, err := ReadSingleFile(Source{Inline: code}, "")
	var inputErr *InputError
	if !errors.As(err, &inputErr) || !strings.Contains(err.Error(), "once written as JSON text") {
		t.Errorf("inline: error %v, want the encoded size refused", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "handler.py"), []byte(code), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSingleFile(Source{Dir: dir}, ""); !errors.As(err, &inputErr) || !strings.Contains(err.Error(), "once written as JSON text") {
		t.Errorf("directory: error %v, want the encoded size refused", err)
	}
	// Just within: accepted.
	ok := strings.Repeat("<", int(MaxSingleFileSize)-10)
	if _, err := ReadSingleFile(Source{Inline: ok}, ""); err != nil {
		t.Errorf("a handler of %d bytes of '<' is refused: %v", len(ok), err)
	}
}
