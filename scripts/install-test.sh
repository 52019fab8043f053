#!/usr/bin/env bash
# Copyright (c) The terraform-provider-e2e authors
# SPDX-License-Identifier: MPL-2.0
# make install-test: proves that `make install` puts the provider where
# `terraform init` finds it, with no dev_overrides and no network.
#
# With HOME pointed at a temporary directory it
#   1. runs `make install` (VERSION 0.1.0-dev, the default) and checks the
#      binary landed in the filesystem-mirror layout;
#   2. runs `terraform init` on a copy of examples/quickstart through a CLI
#      configuration whose only installation method is a filesystem_mirror
#      of ~/.terraform.d/plugins, pinning exactly 0.1.0-dev (a prerelease is
#      only chosen when asked for by its exact version), then `terraform
#      validate`, which starts the installed provider;
#   3. runs `make install VERSION=0.0.1` and `terraform init` on an unchanged
#      copy with no CLI configuration at all, relying on ~/.terraform.d/plugins
#      being one of Terraform's implied local mirrors.
# Any request to a registry fails: HTTP(S)_PROXY point at a closed port.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "install-test: $*" >&2
  exit 1
}

# Go keeps its caches under HOME by default: hold on to the real ones so the
# build is not a cold one.
GOCACHE=$(go env GOCACHE)
GOMODCACHE=$(go env GOMODCACHE)
GOPATH=$(go env GOPATH)
export GOCACHE GOMODCACHE GOPATH

export HOME="$work/home"
mkdir -p "$HOME"
# The defaults of make install are under test, not the caller's settings.
unset VERSION PLUGINS_DIR MAKEFLAGS MAKELEVEL
unset TF_CLI_CONFIG_FILE TF_PLUGIN_CACHE_DIR XDG_DATA_HOME
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY= https_proxy= http_proxy= no_proxy=

platform="$(go env GOOS)_$(go env GOARCH)"
plugins="$HOME/.terraform.d/plugins"
address=registry.terraform.io/e2eterraformprovider/e2e

# init_in DIR LOG: terraform init in DIR; fails with its output.
init_in() {
  (cd "$1" && terraform init -input=false -no-color) >"$2" 2>&1 || {
    cat "$2"
    fail "terraform init failed in $1"
  }
}

echo "install-test: make install (HOME=$HOME)"
make -s --no-print-directory -C "$root" install >"$work/install.log" 2>&1 || {
  cat "$work/install.log"
  fail "make install failed"
}
bin="$plugins/$address/0.1.0-dev/$platform/terraform-provider-e2e_v0.1.0-dev$(go env GOEXE)"
[ -x "$bin" ] || fail "make install did not create $bin"

echo "install-test: terraform init through a filesystem_mirror, pinned to 0.1.0-dev"
cat >"$work/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$plugins"
    include = ["$address"]
  }
}
RC
mkdir "$work/mirror" && cp "$root"/examples/quickstart/*.tf "$work/mirror/"
# An override file pins the version without touching the example's main.tf.
cat >"$work/mirror/e2e_override.tf" <<'TF'
terraform {
  required_providers {
    e2e = {
      source  = "e2eterraformprovider/e2e"
      version = "0.1.0-dev"
    }
  }
}
TF
TF_CLI_CONFIG_FILE="$work/terraformrc" init_in "$work/mirror" "$work/init-mirror.log"
grep -q 'Installed e2eterraformprovider/e2e v0.1.0-dev' "$work/init-mirror.log" || {
  cat "$work/init-mirror.log"
  fail "terraform init did not install e2eterraformprovider/e2e v0.1.0-dev from the mirror"
}
grep -q 'version     = "0.1.0-dev"' "$work/mirror/.terraform.lock.hcl" || fail "the lock file does not record 0.1.0-dev"
(cd "$work/mirror" && TF_CLI_CONFIG_FILE="$work/terraformrc" terraform validate -no-color) >"$work/validate.log" 2>&1 || {
  cat "$work/validate.log"
  fail "terraform validate failed with the installed provider"
}

echo "install-test: terraform init through the implied local mirror, unpinned"
make -s --no-print-directory -C "$root" install VERSION=0.0.1 >"$work/install2.log" 2>&1 || {
  cat "$work/install2.log"
  fail "make install VERSION=0.0.1 failed"
}
mkdir "$work/implied" && cp "$root"/examples/quickstart/*.tf "$work/implied/"
init_in "$work/implied" "$work/init-implied.log"
grep -q 'Installed e2eterraformprovider/e2e v0.0.1' "$work/init-implied.log" || {
  cat "$work/init-implied.log"
  fail "terraform init did not install e2eterraformprovider/e2e v0.0.1 from ~/.terraform.d/plugins"
}

echo "install-test: ok"
