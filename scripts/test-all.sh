#!/usr/bin/env bash
# Every test, from a fresh clone on a fresh Debian machine: prepares the host,
# installs packages, lints, checks dist/ is the build of src/, runs unit and
# integration tests, and ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-host.sh
npm ci --no-audit --no-fund --loglevel=error

echo "lint: eslint and prettier"
npm run --silent lint

npm run --silent build >/dev/null
if git rev-parse --git-dir >/dev/null 2>&1 && [ -n "$(git status --porcelain -- dist)" ]; then
  echo "dist/ differs from a fresh build of src/: run 'npm run build' and commit dist/." >&2
  git status --short -- dist >&2
  exit 1
fi
echo "dist/ is in sync with src/"

mkdir -p .tmp
status=0
npx jest --runInBand --json --outputFile=.tmp/jest-results.json || status=$?
node -e '
  const r = require("./.tmp/jest-results.json")
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites
  // a skipped test is named, with the file: its title says why it does not run
  const skipped = r.testResults.flatMap(f =>
    f.assertionResults
      .filter(t => t.status !== "passed" && t.status !== "failed")
      .map(t => `${require("path").relative(process.cwd(), f.name)}: ${t.fullName} (${t.status})`)
  )
  console.log(`tests: ${r.numPassedTests} passed, ${failed} failed` + (skipped.length ? `, ${skipped.length} skipped: ${skipped.join("; ")}` : ""))
'
exit "$status"
