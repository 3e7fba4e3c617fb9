#!/usr/bin/env bash
# reliability.sh — the sanitizer part of CI (.ci/run runs it after scripts/test.sh): one clang
# build with ASan + UBSan (+ LSan), the whole test suite under it (scripts/sanitize.sh), then
# every fuzz target for a bounded time on the same build (scripts/fuzz.sh). Fails if either does.
#
#   bash scripts/reliability.sh
#
# Environment knobs: TINYDL_FUZZ_SECONDS (default here 45 per target, two at a time) and those
# of scripts/sanitize_common.sh. Timings: docs/reliability.md, "Fuzzing".
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
start=$(date +%s)
status=0
bash "$here/sanitize.sh" || status=$?
# Fuzz even after a test failure: the two find different things, and CI should show both.
TINYDL_FUZZ_SECONDS="${TINYDL_FUZZ_SECONDS:-45}" bash "$here/fuzz.sh" || status=$?
echo "reliability.sh: $(( $(date +%s) - start )) s, exit status $status"
exit "$status"
