// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"path/filepath"
	"slices"
	"testing"

	ignore "github.com/sabhiram/go-gitignore"
)

func entryNames(t *testing.T, src Source) []string {
	t.Helper()
	a := mustBuild(t, src)
	var names []string
	for _, l := range listing(t, a.Path) {
		names = append(names, l[:len(l)-len(" -rw-r--r--")])
	}
	return names
}

func TestDefaultExcludes(t *testing.T) {
	dir := newTree(t, map[string]file{
		"handler.py":                  {content: "x"},
		".git/HEAD":                   {content: "ref"},
		"vendor/.git/config":          {content: "c"},
		".terraform/providers/x":      {content: "p"},
		"__pycache__/handler.cpython": {content: "b"},
		"pkg/__pycache__/m.pyc":       {content: "b"},
		"pkg/m.pyc":                   {content: "b"},
		"pkg/m.py":                    {content: "m"},
		".DS_Store":                   {content: "d"},
		"pkg/.DS_Store":               {content: "d"},
		".gitignore":                  {content: "kept: only .git/ itself is excluded"},
	})
	got := entryNames(t, Source{Dir: dir, Runtime: "python3.11"})
	want := []string{".gitignore", "handler.py", "pkg/m.py"}
	if !slices.Equal(got, want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
}

func TestSourceExcludes(t *testing.T) {
	dir := newTree(t, map[string]file{
		"handler.py":      {content: "x"},
		"debug.log":       {content: "l"},
		"lib/trace.log":   {content: "l"},
		"tests/test_a.py": {content: "t"},
		"lib/tests/t.py":  {content: "t"},
		"build/out/a.o":   {content: "o"},
		"lib/build/out/b": {content: "kept: build/out is anchored at the root"},
	})
	got := entryNames(t, Source{Dir: dir, Runtime: "python3.11", Excludes: []string{"*.log", "/tests/", "build/out"}})
	want := []string{"handler.py", "lib/build/out/b", "lib/tests/t.py"}
	if !slices.Equal(got, want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
}

func TestFaasignore(t *testing.T) {
	dir := newTree(t, map[string]file{
		".faasignore":       {content: "# local files\nsecret.txt\n*.log\n!keep.log\ndocs/\n\n"},
		"handler.py":        {content: "x"},
		"secret.txt":        {content: "s"},
		"a.log":             {content: "l"},
		"keep.log":          {content: "k"},
		"docs/index.md":     {content: "d"},
		"sub/.faasignore":   {content: "kept: only the root's is special"},
		"sub/secret.txt":    {content: "s"},
		"keep.pyc":          {content: "excluded by default"},
		"sub/not-secret.md": {content: "n"},
	})
	got := entryNames(t, Source{Dir: dir, Runtime: "python3.11", Excludes: []string{"sub/not-secret.md"}})
	want := []string{"handler.py", "keep.log", "sub/.faasignore"}
	if !slices.Equal(got, want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
}

// TestFaasignoreReincludesDefault: the .faasignore comes last, so it can
// bring back what the defaults exclude.
func TestFaasignoreReincludesDefault(t *testing.T) {
	dir := newTree(t, map[string]file{
		".faasignore": {content: "!vendor.pyc\n"},
		"handler.py":  {content: "x"},
		"vendor.pyc":  {content: "b"},
		"other.pyc":   {content: "b"},
	})
	got := entryNames(t, Source{Dir: dir, Runtime: "python3.11"})
	if want := []string{"handler.py", "vendor.pyc"}; !slices.Equal(got, want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
}

func TestExcludesChangeHash(t *testing.T) {
	dir := newTree(t, map[string]file{"handler.py": {content: "x"}, "notes.md": {content: "n"}})
	all := mustHash(t, Source{Dir: dir, Runtime: "python3.11"})
	fewer := mustHash(t, Source{Dir: dir, Runtime: "python3.11", Excludes: []string{"*.md"}})
	if all == fewer {
		t.Fatal("excluding a file did not change the hash")
	}
	writeFile(t, filepath.Join(dir, ".faasignore"), []byte("*.md\n"))
	if got := mustHash(t, Source{Dir: dir, Runtime: "python3.11"}); got != fewer {
		t.Fatalf(".faasignore gives %s, Excludes gives %s", got, fewer)
	}
}

func TestInvalidExcludePattern(t *testing.T) {
	dir := newTree(t, map[string]file{"handler.py": {content: "x"}})
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11", Excludes: []string{"foo["}}, AttrPath, "",
		`excludes: pattern "foo[" is not valid gitignore syntax (unclosed [)`)
	writeFile(t, filepath.Join(dir, ".faasignore"), []byte("ok\nbad[\n"))
	wantInputError(t, Source{Dir: dir, Runtime: "python3.11"}, AttrPath, "", `.faasignore: pattern "bad["`)
}

func TestAdaptPattern(t *testing.T) {
	cases := map[string]string{
		"*.log":      "*.log",
		"build/":     "build/",
		"build/out":  "/build/out",
		"!build/out": "!/build/out",
		"/abs":       "/abs",
		"**/deep/x":  "**/deep/x",
		"# a/b":      "# a/b",
		"":           "",
		"*.c++":      `*.c\+\+`,
		"(draft)*":   `\(draft\)*`,
		"a?.py":      `a[^\x2f].py`,
		"[!a]b":      "[^a]b",
		`\!bang`:     `\!bang`,
		`\#hash`:     `\#hash`,
		`lit\?`:      "lit[?]",
		"x\r":        "x",
		"  spaced  ": "spaced",
	}
	for in, want := range cases {
		got, err := adaptPattern(in)
		if err != nil || got != want {
			t.Errorf("adaptPattern(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"foo[", "[z-a]", `end\`, "[a*]"} {
		if got, err := adaptPattern(bad); err == nil {
			t.Errorf("adaptPattern(%q) = %q, want an error", bad, got)
		}
	}
}

// TestPatternsMatchLikeGit checks the adapted patterns through go-gitignore.
func TestPatternsMatchLikeGit(t *testing.T) {
	cases := []struct {
		pattern string
		path    string
		match   bool
	}{
		{"*.c++", "src/x.c++", true},
		{"*.c++", "src/x.c", false},
		{"(draft)*", "(draft) notes.md", true},
		{"a?.py", "ab.py", true},
		{"a?.py", "a/.py", false},
		{"a?.py", "a.py", false},
		{"[!a]b", "cb", true},
		{"[!a]b", "ab", false},
		{"build/out", "build/out/x", true},
		{"build/out", "src/build/out/x", false},
		{"docs/", "docs/", true},
		{"docs/", "docs", false},
		{"**/gen/*.go", "a/b/gen/x.go", true},
	}
	for _, c := range cases {
		p, err := adaptPattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := ignore.CompileIgnoreLines(p).MatchesPath(c.path); got != c.match {
			t.Errorf("%q (as %q) on %q: %v, want %v", c.pattern, p, c.path, got, c.match)
		}
	}
}
