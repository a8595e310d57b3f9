#!/usr/bin/env bash
# The main job on the bundled samples, with the embedded defaults (SQLite store, Tantivy index).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
export SOHOA_DATA_DIR="${SOHOA_DATA_DIR:-$ROOT/.demo-data}"
echo "== data directory: $SOHOA_DATA_DIR"
echo "== sohoa ingest samples/  (one sample is a deliberately broken PDF: it is set aside, the batch goes on)"
set +e
sohoa ingest samples/
code=$?
set -e
if [ "$code" -gt 1 ]; then exit "$code"; fi
echo
echo "== sohoa search 'quyet dinh'  (typed without diacritics)"
sohoa search "quyet dinh" --limit 5 || true
echo
echo "== sohoa extract samples/quyet-dinh-clean.png  (readable text of one scan)"
sohoa extract samples/quyet-dinh-clean.png | head -25
echo
echo "Archival PDF/A copies: $SOHOA_DATA_DIR/archive ; quarantine: $SOHOA_DATA_DIR/quarantine"
