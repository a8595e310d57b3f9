#!/usr/bin/env bash
# The test suite: lint, the dependency audit, then pytest (real Tesseract, real PDFs, real index).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
ruff check .
python scripts/audit_deps.py
python -m pytest "$@"
