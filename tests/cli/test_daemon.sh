#!/usr/bin/env bash
# Runs kithd as an operator would: start, SIGHUP reload (good and broken edits), SIGTERM stop
# within the bound, plugins loaded from the config, and a plugin of another ABI refused.
# Usage: bash test_daemon.sh <path-to-kithd> <source-dir>. Exits non-zero on a failure.
set -u

KITHD=$1
TEST_PLUGINS=$(dirname "$KITHD")/test-plugins
unset KITH_DISCORD_TOKEN KITH_TELEGRAM_TOKEN KITH_MATRIX_TOKEN KITH_MATRIX_PASSWORD \
      KITH_DASHBOARD_TOKEN

tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0

check() {
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        sed 's/^/  log| /' "$tmp/log" 2>/dev/null
    fi
}

# write_config LOAD-LIST: a config with no platform and the given plugins.
write_config() {
    cat >"$tmp/bot.conf" <<CONF
store = { path = "$tmp/kith.db"; batch_interval = 50; };
plugins = { dir = "$TEST_PLUGINS"; load = [ $1 ]; };
log = { level = "debug"; file = "$tmp/log"; };
CONF
}

# wait_for PATTERN: up to 5 s for the log to contain PATTERN.
wait_for() {
    for _ in $(seq 1 100); do
        grep -q -- "$1" "$tmp/log" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# exits_within SECONDS: whether kithd ($pid) exits in time; leaves its status in $status.
exits_within() {
    local limit=$(($1 * 20))
    for _ in $(seq 1 "$limit"); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"
            status=$?
            pid=
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# --- a run with a plugin, a reload, and a stop ---
write_config '"example"'
"$KITHD" --config "$tmp/bot.conf" 2>"$tmp/stderr" &
pid=$!
check "kithd starts and says it is running" wait_for "running (kithd"
check "the configured plugin is loaded" wait_for "plugin example loaded"
check "the store file was created" test -f "$tmp/kith.db"

kill -HUP "$pid"
check "SIGHUP reloads the configuration" wait_for "configuration reloaded"

cp "$tmp/bot.conf" "$tmp/bot.conf.good"
echo 'store = { pat = "x"; };' >"$tmp/bot.conf"
kill -HUP "$pid"
check "a broken edit is refused on SIGHUP" wait_for "reload refused"
check "the refusal names file and line" wait_for "bot.conf:1:"
check "kithd is still running after a refused reload" kill -0 "$pid"
cp "$tmp/bot.conf.good" "$tmp/bot.conf"

kill -TERM "$pid"
check "SIGTERM stops kithd within 5 seconds" exits_within 5
check "the stop was clean (exit status 0)" test "${status:-1}" -eq 0
check "the log says it stopped" grep -q "stopped" "$tmp/log"

# --- SIGINT works the same ---
rm -f "$tmp/log"
"$KITHD" --config "$tmp/bot.conf" 2>"$tmp/stderr" &
pid=$!
wait_for "running (kithd" >/dev/null
kill -INT "$pid"
check "SIGINT stops kithd within 5 seconds" exits_within 5
check "SIGINT exit status is 0" test "${status:-1}" -eq 0

# --- a plugin built for another ABI is refused, naming both versions ---
rm -f "$tmp/log"
write_config '"wrong_abi"'
"$KITHD" --config "$tmp/bot.conf" 2>"$tmp/stderr" &
pid=$!
check "kithd refuses to start with a plugin of another ABI" exits_within 5
check "exit status 1" test "${status:-0}" -eq 1
check "the refusal names both ABI versions" grep -Eq "ABI 2\.[0-9]+.*ABI 1\.[0-9]+" "$tmp/log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
