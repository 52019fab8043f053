// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import "fmt"

const (
	// MaxArchiveSize is E2E's limit on the size of an uploaded ZIP: 50 MB,
	// read as decimal megabytes, the stricter reading, so that nothing
	// accepted here is refused by the platform. It is the one archive size
	// limit of the project: other packages should use it, and
	// ArchiveTooLargeText to say it is passed.
	MaxArchiveSize int64 = 50_000_000
	// MaxUncompressedSize is E2E's limit on the extracted size of an
	// uploaded ZIP, summed over all files: 200 MB, decimal too.
	MaxUncompressedSize int64 = 200_000_000
	// MaxFiles bounds the number of files in a source. It is this package's
	// own guard against symlink fan-out and archives of millions of empty
	// entries; no real function comes near it.
	MaxFiles = 100_000
	// MaxCompressionRatio is the largest uncompressed/compressed ratio
	// accepted for a ZIP entry, and for a whole ZIP against its size, once
	// past RatioThreshold. Source code deflates by 3 to 10 times; more than
	// 100 times is what a compression bomb looks like.
	MaxCompressionRatio = 100
	// RatioThreshold is the uncompressed size below which the ratio rule is
	// not applied: small files of repeated bytes are harmless.
	RatioThreshold int64 = 1 << 20
	// CompressionLevel is the compress/flate level of every built archive;
	// changing it changes the archive bytes (but never the source hash).
	// Go's level 5 deflates real source code within 1% of Info-ZIP's
	// default (-6) for less CPU; Go's level 6 is 1% smaller again but,
	// on repetitive text, twice as slow (see bench/packaging/BENCHMARKS.md).
	CompressionLevel = 5
)

// DefaultExcludes are the gitignore-style patterns always excluded from a
// code_path directory, before Source.Excludes and the directory's
// .faasignore (whose patterns, coming later, may re-include with "!").
var DefaultExcludes = []string{
	".git/",
	".terraform/",
	"__pycache__/",
	"*.pyc",
	".DS_Store",
}

// ignoreFileName is the optional gitignore-syntax file at the root of a
// code_path directory; it is never packed itself.
const ignoreFileName = ".faasignore"

// ArchiveTooLargeText is the one wording of a passed [MaxArchiveSize], for
// every package that enforces it, so that the provider and a server say the
// same thing. size is the archive's size in bytes, or 0 when the archive is
// only known to pass the limit (as when building stops there). The text
// names neither attribute nor path; callers attach it to theirs.
func ArchiveTooLargeText(size int64) string {
	limit := fmt.Sprintf("E2E's limit of %d bytes (%s)", MaxArchiveSize, mb(MaxArchiveSize))
	if size > 0 {
		return fmt.Sprintf("the archive is %d bytes (%s), more than %s: remove what the function does not need", size, mb(size), limit)
	}
	return "the archive would be larger than " + limit + ": remove what the function does not need"
}
