// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	ignore "github.com/sabhiram/go-gitignore"
)

// openFile opens a file to pack, refusing (without blocking) one that is no
// longer a regular file; tests replace it to simulate unreadable files,
// which root (who runs CI) can otherwise always read.
var openFile = func(path string) (io.ReadCloser, error) {
	f, _, err := openRegular(path)
	if err != nil {
		return nil, err // not f: a nil *os.File would make a non-nil io.ReadCloser
	}
	return f, nil
}

func collectDir(src Source) (*collected, error) {
	const attr = AttrPath
	abs, err := filepath.Abs(src.Dir)
	if err != nil {
		return nil, inputErr(attr, "", "cannot resolve %q: %v", src.Dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, pathError(attr, src.Dir, err, "set code_path to an existing directory")
	}
	if !st.IsDir() {
		return nil, inputErr(attr, "", "%q is not a directory: set code_archive for a .zip file, or code_path to the folder holding the code", src.Dir)
	}
	root, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, inputErr(attr, "", "cannot resolve %q: %v", src.Dir, err)
	}
	w := &dirWalker{root: root, attr: attr}
	if w.ignore, err = compileExcludes(root, src.Excludes); err != nil {
		return nil, err
	}
	if err := w.walk(root, "", []string{root}); err != nil {
		return nil, err
	}
	if len(w.entries) == 0 {
		return nil, inputErr(attr, "", "%q holds no files once excludes are applied: add the function's code or relax the excludes", src.Dir)
	}
	c := &collected{attr: attr, entries: w.entries}
	if err := sortAndCheckNames(attr, c.entries); err != nil {
		return nil, err
	}
	return c, nil
}

// compileExcludes joins DefaultExcludes, the Source's patterns and the
// root's .faasignore, in that order, into one gitignore matcher.
func compileExcludes(root string, extra []string) (*ignore.GitIgnore, error) {
	type origin struct{ where, line string }
	var lines []origin
	for _, p := range DefaultExcludes {
		lines = append(lines, origin{"default excludes", p})
	}
	for _, p := range extra {
		lines = append(lines, origin{"excludes", p})
	}
	data, err := readIgnoreFile(root)
	if err != nil {
		return nil, err
	}
	for _, p := range strings.Split(data, "\n") {
		lines = append(lines, origin{ignoreFileName, p})
	}
	patterns := make([]string, len(lines))
	for i, l := range lines {
		p, err := adaptPattern(l.line)
		if err != nil {
			return nil, inputErr(AttrPath, "", "%s: pattern %q is not valid gitignore syntax (%v): fix or remove it", l.where, l.line, err)
		}
		patterns[i] = p
	}
	return ignore.CompileIgnoreLines(patterns...), nil
}

// readIgnoreFile returns the root's .faasignore, or "" when there is none.
func readIgnoreFile(root string) (string, error) {
	path := filepath.Join(root, ignoreFileName)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	target, _, err := resolveLink(root, path, ignoreFileName)
	if err != nil {
		return "", err
	}
	f, _, err := openRegular(target)
	if err != nil {
		return "", fileError(AttrPath, ignoreFileName, err, "replace it with a text file or remove it")
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return "", fileError(AttrPath, ignoreFileName, err, "make it readable or remove it")
	}
	return string(data), nil
}

type dirWalker struct {
	root    string
	attr    string
	ignore  *ignore.GitIgnore
	entries []entry
	total   int64
}

func (w *dirWalker) excluded(rel string, isDir bool) bool {
	if isDir {
		return w.ignore.MatchesPath(rel + "/")
	}
	return w.ignore.MatchesPath(rel)
}

// walk lists dir (a real path, rel inside the source) depth first. stack
// holds the real paths of the directories being walked, to catch loops.
func (w *dirWalker) walk(dir, rel string, stack []string) error {
	des, err := os.ReadDir(dir)
	if err != nil {
		return inputErr(w.attr, rel, "directory cannot be read: %v; make it readable or exclude it", unwrapPath(err))
	}
	for _, de := range des {
		name := de.Name()
		childRel := name
		if rel != "" {
			childRel = rel + "/" + name
		}
		if rel == "" && name == ignoreFileName {
			continue
		}
		path := filepath.Join(dir, name)
		info, err := os.Lstat(path)
		if err != nil {
			return inputErr(w.attr, childRel, "cannot be read: %v", unwrapPath(err))
		}
		target := path
		if info.Mode()&fs.ModeSymlink != 0 {
			if w.excluded(childRel, false) {
				continue
			}
			var linkErr error
			target, info, linkErr = resolveLink(w.root, path, childRel)
			if linkErr != nil {
				if w.excluded(childRel, true) {
					continue // an excluded link need not resolve
				}
				return linkErr
			}
		}
		if w.excluded(childRel, info.IsDir()) {
			continue
		}
		if p := nameProblem(childRel); p != "" {
			return inputErr(w.attr, childRel, "%s: rename it or exclude it", p)
		}
		switch {
		case info.IsDir():
			for _, s := range stack {
				if s == target {
					return inputErr(w.attr, childRel, "is a symbolic link loop (it leads back to a directory that contains it): remove the link or exclude it")
				}
			}
			if err := w.walk(target, childRel, append(stack, target)); err != nil {
				return err
			}
		case info.Mode().IsRegular():
			if len(w.entries) >= MaxFiles {
				return inputErr(w.attr, "", "the directory holds more than %d files: exclude what the function does not need", MaxFiles)
			}
			w.total += info.Size()
			if w.total > MaxUncompressedSize {
				return inputErr(w.attr, childRel, "brings the total size past E2E's %s limit: exclude what the function does not need",
					mb(MaxUncompressedSize))
			}
			file := target
			w.entries = append(w.entries, entry{
				name: childRel,
				exec: info.Mode().Perm()&0o100 != 0,
				size: info.Size(),
				open: func() (io.ReadCloser, error) { return openFile(file) },
			})
		default:
			return entryReadError(w.attr, childRel, &notRegularError{info.Mode()})
		}
	}
	return nil
}

// resolveLink follows the symlink at path and returns its real target and
// the target's info, or an InputError when it is broken, loops or leaves
// the root.
func resolveLink(root, path, rel string) (string, fs.FileInfo, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		if _, statErr := os.Stat(path); errors.Is(statErr, syscall.ELOOP) || strings.Contains(err.Error(), "too many links") {
			return "", nil, inputErr(AttrPath, rel, "is a symbolic link loop: remove the link or exclude it")
		}
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil, inputErr(AttrPath, rel, "is a broken symbolic link: point it at a file in the directory, or remove or exclude it")
		}
		return "", nil, inputErr(AttrPath, rel, "symbolic link cannot be resolved: %v", unwrapPath(err))
	}
	inside, err := filepath.Rel(root, target)
	if err != nil || inside == ".." || strings.HasPrefix(inside, ".."+string(filepath.Separator)) || filepath.IsAbs(inside) {
		return "", nil, inputErr(AttrPath, rel, "is a symbolic link to %q, outside the directory: copy the file in, or exclude the link", target)
	}
	info, err := os.Stat(target)
	if err != nil {
		return "", nil, inputErr(AttrPath, rel, "symbolic link target cannot be read: %v", unwrapPath(err))
	}
	return target, info, nil
}

// fileError reports err, met opening or reading the file entry of attr, with
// what to do about it.
func fileError(attr, entry string, err error, todo string) *InputError {
	var nr *notRegularError
	if errors.As(err, &nr) {
		return inputErr(attr, entry, "%v: %s", nr, todo)
	}
	return inputErr(attr, entry, "cannot be read: %v; %s", unwrapPath(err), todo)
}

// entryReadError reports err, met opening or reading a directory's file to
// pack.
func entryReadError(attr, entry string, err error) *InputError {
	var nr *notRegularError
	if errors.As(err, &nr) {
		return fileError(attr, entry, err, "remove it or exclude it")
	}
	return fileError(attr, entry, err, "make it readable or exclude it")
}

// unwrapPath drops the absolute path from an fs.PathError: messages name
// the entry relative to the source instead.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
