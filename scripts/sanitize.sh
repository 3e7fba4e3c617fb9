#!/usr/bin/env bash
# sanitize.sh — builds the CPU configuration with AddressSanitizer + UndefinedBehaviorSanitizer
# (LeakSanitizer included, the first report aborts the process) and runs the whole test suite
# under it, the packaging tests excepted (they install and rebuild tinydl without the flags).
# Exits non-zero on any build or test failure, and on any sanitizer report found in the tests'
# output, even one a test that expects a failure (a killed child, a WILL_FAIL smoke run) swallowed.
# The build (clang, -O1) is shared with scripts/fuzz.sh: see scripts/sanitize_common.sh.
# CI runs both through scripts/reliability.sh (docs/reliability.md, "Sanitizers").
#
#   bash scripts/sanitize.sh              everything but the packaging label
#   bash scripts/sanitize.sh -R ops\.     arguments go to ctest (-R regex, -L label)
#
# Environment knobs: see scripts/sanitize_common.sh (build directory, compiler).
set -euo pipefail
# shellcheck source=scripts/sanitize_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/sanitize_common.sh"
start=$(date +%s)

bash "$repo_root/scripts/install_deps.sh" --sanitizers
configure_sanitized
cmake --build "$build_dir" --parallel "$build_jobs"
built=$(date +%s)

status=0
(cd "$build_dir" && ctest --output-on-failure --no-tests=error -j2 -LE packaging "$@") || status=$?
log="$build_dir/Testing/Temporary/LastTest.log"
if [ -f "$log" ] && grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$log"; then
    echo "sanitize.sh: sanitizer reports in the tests' output:" >&2
    grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: ' "$log" | sort | uniq -c >&2
    [ "$status" -ne 0 ] || status=1
fi
end=$(date +%s)
echo "sanitize.sh: $(( end - start )) s (build $(( built - start )) s, tests $(( end - built )) s), exit status $status"
exit "$status"
