#!/usr/bin/env bash
# The main job on the bundled samples, with the embedded defaults.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
export SOHOA_DATA_DIR="${SOHOA_DATA_DIR:-$ROOT/.demo-data}"
echo "== sohoa extract: readable text of the first sample"
sohoa extract samples/*clean*.png | head -40
echo
echo "== sohoa extract --jsonl: one record per sample file"
sohoa extract --jsonl samples/* > "$SOHOA_DATA_DIR.records.jsonl" || true
python -c "
import json,sys
for line in open('$SOHOA_DATA_DIR.records.jsonl', encoding='utf-8'):
    r = json.loads(line)
    src = r['source']['path']
    if 'error' in r:
        print(f'{src:45s} ERROR {r[\"error\"][\"code\"]}: {r[\"error\"][\"message\"]}')
    else:
        print(f'{src:45s} {r.get(\"doc_type\",\"?\"):28s} ocr={r[\"confidence\"][\"ocr\"]:.2f} chars={len(r[\"text\"])}')
"
echo "records written to $SOHOA_DATA_DIR.records.jsonl"
