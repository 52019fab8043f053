// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"io/fs"
	"os"
)

// notRegularError says a path that was to be read is a named pipe, socket,
// device or directory. It carries no path: messages name the entry or the
// attribute's value themselves.
type notRegularError struct{ mode fs.FileMode }

func (e *notRegularError) Error() string {
	return "is not a regular file (it is a " + kindOf(e.mode) + ")"
}

// openRegular opens path (following links) for reading only when it is a
// regular file, and never blocks doing so. Opening a named pipe for reading
// waits for a writer, possibly forever, and opening a device may have side
// effects; so the type is checked by Stat before opening, and again on the
// open descriptor (opened without blocking where the system allows it), in
// case the path was replaced in between. Errors are *notRegularError or
// those of os.Stat and os.Open.
func openRegular(path string) (*os.File, fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, st, &notRegularError{st.Mode()}
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, nil, err
	}
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, st, &notRegularError{st.Mode()}
	}
	return f, st, nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	default:
		return "special file"
	}
}
