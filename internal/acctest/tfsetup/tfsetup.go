// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package tfsetup prepares the process of tests that drive the real
// terraform binary, for their TestMain: it pins the binary and isolates the
// CLI configuration from the user's. Tests only.
package tfsetup

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
)

// Setup pins terraform for terraform-plugin-testing (TF_ACC_TERRAFORM_PATH,
// from PATH when unset, so that it never downloads one), points
// TF_CLI_CONFIG_FILE at an empty configuration and turns checkpoint off.
// missing says why the tests that need terraform cannot run ("" when they
// can; what names them); with CI set, a missing terraform is an error
// instead, since a green run that skipped them proves nothing. cleanup
// removes the configuration.
func Setup(what string) (missing string, cleanup func(), err error) {
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		if bin, lookErr := exec.LookPath("terraform"); lookErr == nil {
			os.Setenv("TF_ACC_TERRAFORM_PATH", bin)
		} else {
			missing = what + " drive the real terraform binary: put terraform (1.11 or newer) on PATH or set TF_ACC_TERRAFORM_PATH"
			if os.Getenv("CI") != "" {
				return "", nil, errors.New("CI is set and " + missing)
			}
		}
	}
	dir, err := os.MkdirTemp("", "tf-cli-config")
	if err != nil {
		return "", nil, err
	}
	cfg := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(cfg, []byte("# isolated from the user's CLI configuration\n"), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	os.Setenv("TF_CLI_CONFIG_FILE", cfg)
	os.Setenv("CHECKPOINT_DISABLE", "1")
	return missing, func() { os.RemoveAll(dir) }, nil
}
