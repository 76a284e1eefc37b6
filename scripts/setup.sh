#!/usr/bin/env bash
# Install the Debian packages that building, testing and the demo need.
# Silent and quick when they are all installed already; otherwise one
# `apt-get update` and one `apt-get install` of just the missing ones, as root
# or through sudo.
#
# The servers (rabbitmq-server, redis-server) are installed for their
# binaries only: scripts/services.sh runs private instances, and no script
# uses a system service.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

packages=(
    build-essential cmake ninja-build pkg-config
    libcli11-dev librabbitmq-dev libhiredis-dev rapidjson-dev libfmt-dev
    libncurses-dev # bb-trace browse
    doctest-dev libssl-dev libcpp-httplib-dev
    rabbitmq-server redis-server redis-tools amqp-tools
    tmux # the terminal the bb-trace browse tests type into
    openssl ca-certificates # TLS: the test certificates; the CAs amqps:// trusts
    python3 clang-format
    python3-redis # the TLS Redis tests read what bb-publish wrote as the Python side would
    dpkg-dev file time zsh
    graphviz tmux # bb-trace's DOT through dot -Tsvg; the tree under a terminal
    lintian       # the package test checks the .deb with it
    chromium chromium-driver python3-selenium # the browser tests of bb-trace serve's page
    python3-redis # the Sentinel interop test reads through redis.sentinel.Sentinel
    lld valgrind  # bb-publish's hot functions placed together, and their list checked
)

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$package")
done
((${#missing[@]})) || exit 0

as_root=()
if ((EUID != 0)); then
    command -v sudo >/dev/null ||
        bb_die "need root to install: ${missing[*]} (run as root or install sudo)"
    as_root=(sudo)
fi

# Installing a server package starts its system service unless policy-rc.d
# says no. Container images usually ship one that does; where none exists,
# put one in place for the duration of this install so that no system
# RabbitMQ or Redis starts listening (they are not used).
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# Temporary, from bloodbank scripts/setup.sh\nexit 101\n' |
        "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 755 "$policy"
    trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi

bb_info "installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" </dev/null
