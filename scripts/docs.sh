#!/usr/bin/env bash
# Copyright (c) The terraform-provider-e2e authors
# SPDX-License-Identifier: MPL-2.0
# make docs / make docs-check: tfplugindocs over the provider's schema and
# examples/. It asks terraform for the schema, and only Terraform 1.14+
# reports actions, list resources (1.14) and resource identities (1.12).
#
#   scripts/docs.sh generate   rewrites docs/; needs Terraform 1.14+
#   scripts/docs.sh check      fails when docs/ is not what generate writes
#
# The newer terraform is ../shared/tools/terraform-v1.15.9/terraform next to
# the module root when it is there (TERRAFORM_VERBS overrides the path), put
# first on PATH for tfplugindocs; else the terraform on PATH. With a
# terraform older than 1.14, check compares every page but those it cannot
# generate (docs/actions/, docs/list-resources/ and the import-by-identity
# part of resource pages), and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:?usage: scripts/docs.sh generate|check}
verbs=${TERRAFORM_VERBS:-$PWD/../shared/tools/terraform-v1.15.9/terraform}
if [ -x "$verbs" ]; then
  PATH="$(cd "$(dirname "$verbs")" && pwd):$PATH"
fi
terraform=$(command -v terraform) || { echo "no terraform on PATH" >&2; exit 1; }
version=$("$terraform" version -json | sed -n 's/.*"terraform_version": *"\([0-9]*\.[0-9]*\).*/\1/p')
full=0
case "$version" in
1.1[4-9] | 1.[2-9][0-9] | [2-9].*) full=1 ;;
esac

generate() {
  go tool -modfile="$PWD/tools/go.mod" tfplugindocs generate --provider-name e2e --rendered-provider-name E2E "$@"
}

case "$mode" in
generate)
  if [ "$full" = 0 ]; then
    echo "make docs needs Terraform 1.14 or newer (terraform on PATH is $version) for the pages of the action, the list resource" \
      "and resource identities: put Terraform 1.15.9 at ../shared/tools/terraform-v1.15.9/terraform (see ../shared/tools/README.md)" \
      "or set TERRAFORM_VERBS to its path" >&2
    exit 1
  fi
  generate
  ;;
check)
  out=.docs-check
  rm -rf "$out" "$out.log"
  trap 'rm -rf "$out" "$out.log"' EXIT
  mkdir -p "$out"
  committed=docs
  if [ "$full" = 1 ]; then
    generate --rendered-website-dir "$out/docs" >"$out.log" 2>&1 || { cat "$out.log"; exit 1; }
    excludes=()
  else
    # What Terraform $version can generate: the examples without the
    # import-by-identity ones (tfplugindocs refuses them for a resource
    # whose schema, as this terraform reports it, has no identity), and
    # docs/ without what needs 1.14.
    cp -r examples "$out/examples"
    find "$out/examples" -name 'import-by-identity.tf' -delete
    generate --examples-dir "$out/examples" --rendered-website-dir "$out/docs" >"$out.log" 2>&1 || { cat "$out.log"; exit 1; }
    cp -r docs "$out/committed"
    for page in "$out"/committed/resources/*.md; do
      awk '/^In Terraform v1\.12\.0 and later/ { skip = 1 }
           skip && (/^In Terraform v1\.5\.0 and later/ || /^The \[`terraform import` command\]/) { skip = 0 }
           !skip' "$page" >"$page.tmp" && mv "$page.tmp" "$page"
    done
    committed="$out/committed"
    excludes=(-x actions -x list-resources)
  fi
  diff -ru "${excludes[@]}" "$committed" "$out/docs" || { echo "docs/ is stale: run 'make docs' and commit the result" >&2; exit 1; }
  if [ "$full" = 0 ]; then
    echo "docs-check with Terraform $version: docs/actions/, docs/list-resources/ and the import-by-identity sections were not checked" \
      "(they need Terraform 1.14+: ../shared/tools/terraform-v1.15.9/terraform, see ../shared/tools/README.md)"
  fi
  # Quiet when all is well: tfplugindocs prints a [DEBUG] line per file.
  go tool -modfile="$PWD/tools/go.mod" tfplugindocs validate --provider-name e2e >"$out.log" 2>&1 || {
    grep -v '\[DEBUG\]' "$out.log"
    echo "tfplugindocs validate failed (its full output: go tool -modfile=tools/go.mod tfplugindocs validate --provider-name e2e)" >&2
    exit 1
  }
  echo "docs/ is up to date and valid"
  ;;
*)
  echo "usage: scripts/docs.sh generate|check" >&2
  exit 2
  ;;
esac
