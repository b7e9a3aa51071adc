#!/usr/bin/env bash
# Nightly job: recompute every LEVXL workbook in BOOKS into OUT, then build and render a risk report.
# Usage: nightly.sh BOOKS_DIR OUT_DIR POSITIONS_FILE
set -euo pipefail
books="${1:?usage: nightly.sh BOOKS_DIR OUT_DIR POSITIONS_FILE}"
out="${2:?usage: nightly.sh BOOKS_DIR OUT_DIR POSITIONS_FILE}"
positions="${3:?usage: nightly.sh BOOKS_DIR OUT_DIR POSITIONS_FILE}"
stamp="$(date -u +%Y-%m-%dT%H%M%SZ)"
export LEVXL_ADDIN_HOME="${LEVXL_ADDIN_HOME:-/opt/levxl/addin}"  # where setup.sh registered the add-in
mkdir -p "$out"
status=0
levxl recalc "$books" --out "$out" || status=$?
report="$out/risk-report-$stamp.xlsx"
levxl report "$positions" -o "$report" --as-of "$stamp" || status=$?
if [ -f "$report" ] && command -v soffice >/dev/null 2>&1; then
  soffice --headless --convert-to pdf --outdir "$out" "$report" >/dev/null 2>&1 || true
fi
exit "$status"
