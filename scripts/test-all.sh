#!/usr/bin/env bash
# Every test layer, in one run: Node unit tests and WebGPU-in-Node (Dawn) tests through vitest, then the
# browser tests in Debian's Chromium through Playwright. Ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
# Not test-results/: Playwright empties that folder when it starts.
reports=reports
rm -rf "$reports" && mkdir -p "$reports"
status=0

pnpm vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json" || status=1
PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/playwright.json" pnpm playwright test --reporter=list,json || status=1

node scripts/summarize-tests.mjs "$reports/vitest.json" "$reports/playwright.json" || status=1
exit $status
