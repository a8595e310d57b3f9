#!/usr/bin/env bash
# Installs what Sohoa needs on a Debian machine; safe to run any number of times.
# Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd   # OCR engine, Vietnamese model, orientation model
  tesseract-ocr-script-viet                           # Vietnamese-script model: extra readings of poor copies
  ghostscript qpdf unpaper pngquant                   # ocrmypdf's helpers (PDF/A, optimisation, --clean)
  poppler-utils                                       # pdftoppm/pdftotext, used by benchmarks
  fonts-liberation2 fonts-dejavu-core                 # fonts of the generated fixtures (full Vietnamese coverage)
  chromium                                            # headless browser for web tests (no browser download)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "sohoa bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${SOHOA_PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "sohoa bootstrap: creating .venv"
  "$PY" -m venv .venv
fi
stamp=".venv/.sohoa-installed"
want="$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "sohoa bootstrap: installing the project into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  # the ranges of pyproject.toml, at the exact versions of the audited lock
  .venv/bin/python -m pip install -q -e ".[dev]" -c requirements.lock
  echo "$want" > "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
