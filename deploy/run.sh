#!/usr/bin/env bash
# Sets kith up on a fresh Debian 12 machine and runs it: installs the packages, builds kithd
# and the plugins, creates bot.conf from bot.conf.example the first time, and starts kithd.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKITH_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"

if [ ! -f bot.conf ]; then
    # The built plugins live in build/plugins; everything else keeps the example's defaults.
    sed 's|^\(    dir = \)"plugins";|\1"build/plugins";|' bot.conf.example > bot.conf
    echo "run: created bot.conf from bot.conf.example; enable a platform and add its token there"
fi
build/kithd --check-config bot.conf
exec build/kithd --config bot.conf
