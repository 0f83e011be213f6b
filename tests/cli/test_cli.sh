#!/usr/bin/env bash
# Runs the kithd binary as an admin would (--version, --help, --check-config on good and bad
# files). Usage: bash test_cli.sh <path-to-kithd> <source-dir>. Exits non-zero on a failure.
set -u

if [ $# -ne 2 ]; then
    echo "usage: bash test_cli.sh <path-to-kithd> <source-dir>" >&2
    exit 2
fi
KITHD=$1
SRC=$2
FIXTURES=$SRC/tests/cli/fixtures
TOKEN='NzkyNzE1NDU0MTk2MDg4ODQy.X-hvzA.Ovy4MCQywSkoMRRclStW4xAYK7I'

# Tokens exported in the calling shell must not change the outcome.
unset KITH_DISCORD_TOKEN KITH_TELEGRAM_TOKEN KITH_MATRIX_TOKEN KITH_MATRIX_PASSWORD \
      KITH_DASHBOARD_TOKEN

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# kithd ARGS...: runs kithd, leaving the exit status in $status, output in $tmp/out and err.
kithd() {
    "$KITHD" "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
}

# check NAME CONDITION...: records whether the condition (a command) holds.
check() {
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name (exit status $status)"
        sed 's/^/  stdout| /' "$tmp/out"
        sed 's/^/  stderr| /' "$tmp/err"
    fi
}

status_is() { [ "$status" -eq "$1" ]; }
out_has() { grep -qF -- "$1" "$tmp/out"; }
err_has() { grep -qF -- "$1" "$tmp/err"; }
nowhere() { ! grep -qF -- "$1" "$tmp/out" "$tmp/err"; }

kithd --version
check "version prints the release and plugin ABI" \
    eval 'status_is 0 && grep -qE "^kithd [0-9]+\.[0-9]+\.[0-9]+$" "$tmp/out" &&
          grep -qE "^plugin ABI [0-9]+\.[0-9]+$" "$tmp/out"'

kithd --help
check "help lists every option" \
    eval 'status_is 0 && out_has "Usage: kithd" && out_has "--config FILE" &&
          out_has "--check-config" && out_has "--version" && out_has "--help"'

kithd --check-config "$SRC/bot.conf.example"
check "shipped example passes --check-config" \
    eval 'status_is 0 && out_has "$SRC/bot.conf.example: configuration OK" && [ ! -s "$tmp/err" ]'

kithd --config "$SRC/bot.conf.example" --check-config
check "--config FILE --check-config passes" eval 'status_is 0 && out_has "configuration OK"'

kithd -c "$SRC/bot.conf.example" --check-config
check "-c FILE --check-config passes" eval 'status_is 0'

kithd --check-config "$FIXTURES/typo_key.conf"
check "typo'd key exits 1 with FILE:LINE and a suggestion" \
    eval 'status_is 1 && err_has "$FIXTURES/typo_key.conf:5: " &&
          err_has "did you mean \"api_base\"?" && ! out_has "configuration OK"'

kithd --check-config "$FIXTURES/string_for_number.conf"
check "string where a number belongs exits 1 with FILE:LINE" \
    eval 'status_is 1 && err_has "$FIXTURES/string_for_number.conf:4: " &&
          err_has "must be an integer, not a string"'

kithd --check-config "$FIXTURES/missing_token.conf"
check "enabled platform without token exits 1 with FILE:LINE" \
    eval 'status_is 1 && err_has "$FIXTURES/missing_token.conf:4: " &&
          err_has "KITH_TELEGRAM_TOKEN"'

KITH_TELEGRAM_TOKEN=123456:from-the-environment kithd --check-config "$FIXTURES/missing_token.conf"
check "token from the environment makes that file valid" eval 'status_is 0'

kithd --check-config "$FIXTURES/secret_in_bad.conf"
check "errors about a bad config never show its token" \
    eval 'status_is 1 && [ "$(wc -l <"$tmp/err")" -eq 3 ] && nowhere "$TOKEN" &&
          nowhere "Ovy4MCQ"'

kithd --check-config "$tmp/does-not-exist.conf"
check "missing file exits 1 and says so" \
    eval 'status_is 1 && err_has "does-not-exist.conf: cannot open"'

printf 'store = {\n  path = = "x";\n};\n' >"$tmp/syntax.conf"
kithd --check-config "$tmp/syntax.conf"
check "syntax error exits 1 with FILE:LINE" eval 'status_is 1 && err_has "$tmp/syntax.conf:2: "'

kithd "$FIXTURES/typo_key.conf"
check "daemon refuses to start on an invalid config" \
    eval 'status_is 1 && err_has "$FIXTURES/typo_key.conf:5: "'

printf 'log = { file = "%s/no/such/dir/kithd.log"; };\n' "$tmp" >"$tmp/badlog.conf"
kithd --config "$tmp/badlog.conf"
check "daemon refuses to start when the log file cannot be opened" \
    eval 'status_is 1 && err_has "cannot open log file"'

kithd --no-such-option
check "unknown option exits 2 with usage on stderr" \
    eval 'status_is 2 && err_has "Usage: kithd" && [ ! -s "$tmp/out" ]'

kithd --config
check "--config without a file exits 2" eval 'status_is 2 && err_has "Usage: kithd"'

kithd --check-config a.conf b.conf
check "two configuration files exit 2" eval 'status_is 2'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
