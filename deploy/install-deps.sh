#!/usr/bin/env bash
# Installs the Debian 12 packages kith needs to build, run and test. Idempotent: packages
# already present are skipped, so README, CI and developers can all call it freely.
set -euo pipefail

packages=(
    build-essential cmake pkg-config git
    libwebsockets-dev libwebsockets-evlib-uv libcurl4-openssl-dev libcjson-dev libsqlite3-dev libconfig-dev libuv1-dev
    libssl-dev python3 sqlite3
)

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
