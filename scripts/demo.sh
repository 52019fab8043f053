#!/usr/bin/env bash
# Copyright (c) The terraform-provider-e2e authors
# SPDX-License-Identifier: MPL-2.0
# make demo: build the provider and e2e-faas-local, start the server on a free
# loopback port, point the provider at its MyAccount API (the API E2E serves;
# DEMO_API=faas-v1 shows the design's API instead, DESIGN.md#api-dialects),
# apply examples/quickstart
# through a temporary CLI config with
# dev_overrides (the user's own ~/.terraformrc is never read or touched), show
# the function and call it, change its code and call it again, then destroy
# it and stop the server. Calls go through `e2e-faas-local -invoke`, so curl
# is not needed. Bold step titles only on a terminal and without NO_COLOR.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Colour (bold step titles) only on a terminal, and never with NO_COLOR
# (https://no-color.org: set and not empty).
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  bold=$'\033[1m' plain=$'\033[0m'
else
  bold="" plain=""
fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }

# progress shows a build as it goes: each module as it is downloaded, and a
# count of the packages compiled (one line rewritten on a terminal, a line
# every 50 packages otherwise). Errors are printed as they are.
progress() {
  local n=0 line
  while IFS= read -r line; do
    case "$line" in
      "go: downloading "*) [ -t 1 ] && printf '\r\033[K'; printf '  %s\n' "${line#go: }" ;;
      *" "* | *":"*) [ -t 1 ] && printf '\r\033[K'; printf '%s\n' "$line" ;;
      *)
        n=$((n + 1))
        if [ -t 1 ]; then printf '\r\033[K  compiled %d packages (%s)' "$n" "$line"
        elif [ $((n % 50)) -eq 0 ]; then printf '  compiled %d packages\n' "$n"; fi ;;
    esac
  done
  [ -t 1 ] && printf '\r\033[K'
  printf '  built (%d packages compiled; the rest came from the build cache)\n' "$n"
}

step "Building terraform-provider-e2e and e2e-faas-local"
echo "  The first build downloads the Go modules and compiles them: it may take a few minutes. Later builds take seconds."
mkdir -p "$work/bin"
(cd "$root" && go build -v -o "$work/bin/terraform-provider-e2e" . 2>&1 && go build -v -o "$work/bin/e2e-faas-local" ./cmd/e2e-faas-local 2>&1) | progress

api=${DEMO_API:-myaccount}
case "$api" in
  myaccount) export TF_VAR_runtime=python3-http-debian ;; # what E2E serves: functions by name, a project ID and a location
  faas-v1) export TF_VAR_runtime=python3.11 ;;
  *) echo "DEMO_API must be myaccount or faas-v1" >&2; exit 1 ;;
esac

step "Starting the local E2E FaaS server"
# -dialect makes its env file point the provider at the API chosen.
"$work/bin/e2e-faas-local" -addr 127.0.0.1:0 -dialect "$api" -env-file "$work/server.env" -deploy-delay 2s -delete-delay 1s >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/server.env" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; echo "e2e-faas-local did not start" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/server.env" ] || { cat "$work/server.log"; echo "e2e-faas-local did not become ready" >&2; exit 1; }
head -n 1 "$work/server.log"
# shellcheck disable=SC1091
set -a; . "$work/server.env"; set +a
printf '  API: %s at %s\n' "$api" "$E2E_API_ENDPOINT"

cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/e2eterraformprovider/e2e" = "$work/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
cp -r "$root/examples/quickstart" "$work/quickstart"
cd "$work/quickstart"

step "terraform apply (examples/quickstart)"
# Terraform warns about dev_overrides on every command; the demo shows the rest.
quiet() { sed -e '/^╷/,/^╵/d' -e '/^Warning: Provider development overrides/,/releases\.$/d' "$1" | cat -s; }
terraform apply -auto-approve -no-color >"$work/apply.log" 2>&1 || { cat "$work/apply.log"; exit 1; }
quiet "$work/apply.log"

step "The deployed function"
url=$(terraform output -raw invoke_url)
printf '  invoke_url: %s\n' "$url"
printf '  status:     %s\n' "$(terraform output -raw status)"
printf '  runtime:    %s\n' "$(terraform output -raw runtime)"

# invoke prints what the function answers at its invoke_url.
invoke() { printf '  answer:     %s\n' "$("$work/bin/e2e-faas-local" -invoke "$url")"; }
step "Calling it: e2e-faas-local -invoke \$invoke_url"
invoke

step "Changing its code: terraform apply -var greeting=..."
terraform apply -auto-approve -no-color -var 'greeting=Hello again, after a code change' >"$work/update.log" 2>&1 || { cat "$work/update.log"; exit 1; }
# The plan's diff (what changes, attribute by attribute), then the apply.
quiet "$work/update.log" | sed -n -e '/^Terraform will perform the following actions:/,/^Plan:/p'
quiet "$work/update.log" | grep -E 'Modifying|Modifications complete|Apply complete'
printf '  status:     %s\n' "$(terraform output -raw status)"
invoke

step "terraform destroy"
terraform destroy -auto-approve -no-color >"$work/destroy.log" 2>&1 || { cat "$work/destroy.log"; exit 1; }
quiet "$work/destroy.log" | grep -E 'Destroying|Destruction complete|Destroy complete'

step "Stopping the local server"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
echo "Done: the function was deployed, called, changed, called again and destroyed."
