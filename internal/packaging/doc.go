// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package packaging turns a function's code, given as inline text
// (code_inline), a directory (code_path) or a ZIP file (code_archive), into a
// checked, deterministic ZIP archive and a content hash.
//
// It knows nothing of Terraform or HTTP: the provider calls [Hash] at plan time
// to detect code changes and [Build] at apply time to get the bytes to upload;
// a server can call [CheckArchive] on archives it receives. For E2E's
// MyAccount API, which takes the text of one handler file rather than an
// archive, [ReadSingleFile] gives that text and its source hash instead.
//
// # Source hash
//
// [Hash] returns "sha256:" followed by the lowercase hex SHA-256 of a manifest
// of the files that would be packed. The manifest has one line per file, in
// byte order of the file names:
//
//	<name> NUL <mode> NUL <hex sha256 of content> LF
//
// where name is the forward-slash path relative to the source root and mode is
// "644" or "755" (the only two mode classes an archive can hold). Names cannot
// contain NUL, so the manifest is unambiguous. Neither timestamps, nor the
// order files were created or zipped in, nor ZIP compression details enter it:
// re-zipping the same files gives the same hash, and so does the same tree
// checked out on another machine (with the caveat that on file systems without
// an executable bit, such as Windows ones, every file counts as "644").
//
// # Archive layout
//
// [Build] writes entries sorted by name, with forward-slash names, no directory
// entries, a fixed MS-DOS timestamp of 1980-01-01 00:00:00 (the earliest a ZIP
// can hold, so no time zone can shift it), Unix mode 0644 or 0755 (0755 when the
// owner may execute the source file), creator "Unix", no extra fields, no
// comment, and no data descriptors. Entries are compressed with compress/flate
// at [CompressionLevel]; an entry is stored instead when deflating does not make
// it smaller, when it would make it expand by more than [MaxCompressionRatio]
// (so a built archive always passes [CheckArchive]), or when its first 64 KB
// look incompressible (byte entropy above 7.9 bits, as in images, wheels or
// model weights), which saves deflating what will not shrink. Every one of
// these decisions depends on the content alone. The same files give
// byte-identical archives on any machine built with the same Go toolchain; the
// golden tests pin the bytes so a toolchain whose compressor output changes is
// noticed. The provider should compare sources by [Hash], not by archive bytes.
//
// # Excludes
//
// A code_path directory is filtered by [DefaultExcludes], then
// Source.Excludes, then the directory's own .faasignore (never packed), in
// gitignore syntax; later patterns win, so "!" can bring back what an
// earlier one excluded. Matching is go-gitignore's; patterns are first
// adapted so that it reads them as git does (see adaptPattern), and an
// invalid pattern is an error rather than silently ignored.
//
// # Safety rules
//
// Every check runs in both [Hash] and [Build]; failures are [*InputError]
// values naming the attribute and, where there is one, the offending entry.
//
//   - Limits: at most [MaxArchiveSize] compressed and [MaxUncompressedSize]
//     uncompressed in total (E2E's limits), and at most [MaxFiles] files. The
//     compressed size of an archive built from code_path or code_inline is
//     only known once it is compressed, so for those that one limit is
//     enforced by [Build] alone (still before anything is uploaded).
//     [ArchiveTooLargeText] is the one wording of the archive limit, for
//     other packages that enforce it too.
//   - Compression ratio (ZIP inputs): once an entry's uncompressed size exceeds
//     [RatioThreshold], it may be at most [MaxCompressionRatio] times its
//     compressed size; once the total uncompressed size exceeds
//     [RatioThreshold], it may be at most [MaxCompressionRatio] times the size
//     of the whole archive. The rule is applied to the sizes the headers
//     declare before anything is inflated, and again to the bytes actually
//     inflated while reading, so an archive whose headers lie is caught after
//     reading at most a buffer past the declared size.
//   - ZIP entries: names must be relative, forward-slash, free of "." and ".."
//     components, of control characters and of invalid UTF-8; no symlinks or
//     other special entries, no encrypted entries, only Store and Deflate, no
//     duplicate names and no name that is both a file and a directory.
//   - Directories: symlinks are followed and their target's content is packed
//     under the link's name; a link leaving the directory, a link loop, a
//     broken link, a device, socket or named pipe is an error naming the path.
//   - Special files: every file is checked to be a regular file before it is
//     opened, and opened without blocking (O_NONBLOCK) and checked again
//     before it is read: a code_archive, .faasignore or file to pack that is
//     a named pipe, socket or device is an error ("is not a regular file"),
//     never a read that waits for a writer forever.
//   - The handler file the runtime and template expect ([HandlerFile]) must
//     be at the root of a directory or archive, except for the "custom" runtime.
//
// # Single-file sources
//
// [ReadSingleFile] applies the same collection, excludes and safety rules,
// but not the runtime table: it serves runtimes this package does not know,
// such as the MyAccount slugs. A directory or archive must then hold one
// file besides the runtime's requirements file (optional, at the root); the
// texts must be UTF-8 and at most [MaxSingleFileSize] together. Its source
// hash is the manifest hash above over the files the source holds, so it
// equals [Hash] wherever Hash accepts the source. Inline code enters the
// manifest as [InlineFileName], a neutral name that no runtime table
// decides, with its requirements under the runtime's requirements file name.
package packaging
