"""Known vulnerabilities in the locked dependencies (pip-audit over requirements.lock).

Exit 1 when pip-audit reports a known vulnerability in any locked package (each is printed with its
advisory and the fixed versions), or when the lock does not match what is installed in .venv (the lock
would then audit something other than what runs). When the vulnerability service cannot be reached (the
development machines and CI reach only a package mirror without PyPI's JSON API), every package comes back
"not found": that is reported loudly as NOT AUDITED, with the count, and does not fail the run, because
nothing was learnt either way; run `python scripts/audit_deps.py` where pypi.org or osv.dev is reachable.

Usage: python scripts/audit_deps.py [--lock requirements.lock] [--service pypi|osv] [--refresh]
`--refresh` rewrites the lock from the installed environment (after a dependency change).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = ("# The exact versions CI and the two commands install (scripts/bootstrap.sh uses it as constraints),\n"
          "# audited by scripts/audit_deps.py. Rewrite after a dependency change:\n"
          "#   .venv/bin/python scripts/audit_deps.py --refresh\n")


# the project itself, and the installers the bootstrap upgrades to the newest release
UNLOCKED = {"sohoa", "pip", "setuptools", "wheel"}


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def installed() -> dict[str, str]:
    """Every distribution in this environment except the project itself."""
    out = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and _canonical(name) not in UNLOCKED:
            out[_canonical(name)] = dist.version
    return out


def read_lock(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_canonical(name)] = version.strip()
    return pins


def write_lock(path: Path) -> None:
    pins = installed()
    body = "".join(f"{name}=={pins[name]}\n" for name in sorted(pins))
    path.write_text(HEADER + body, encoding="utf-8")
    print(f"wrote {path} ({len(pins)} packages)")


def audit(lock: Path, service: str) -> int:
    pins = read_lock(lock)
    have = installed()
    drift = sorted(f"{n} locked {v}, installed {have.get(n, 'nothing')}" for n, v in pins.items() if have.get(n) != v)
    drift += sorted(f"{n} {v} installed, not in the lock" for n, v in have.items() if n not in pins)
    if drift:
        print("audit: the lock does not match .venv:\n  " + "\n  ".join(drift), file=sys.stderr)
        print("audit: rerun the bootstrap, or refresh the lock: python scripts/audit_deps.py --refresh",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "audit.json"
        proc = subprocess.run([sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps", "--disable-pip",
                               "--vulnerability-service", service, "--progress-spinner", "off",
                               "-f", "json", "-o", str(report_path)], capture_output=True, text=True)
        if not report_path.exists():
            print(f"audit: pip-audit failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}", file=sys.stderr)
            return 1
        report = json.loads(report_path.read_text(encoding="utf-8"))
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = len(deps) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})", file=sys.stderr)
    if vulnerable:
        print(f"audit: {len(vulnerable)} of {len(deps)} locked packages have known vulnerabilities", file=sys.stderr)
        return 1
    if audited == 0:
        print(f"audit: NOT AUDITED: the {service} vulnerability service answered for none of the {len(deps)} "
              f"locked packages (first reason: {skipped[0]['skip_reason'] if skipped else 'none'}); "
              "run scripts/audit_deps.py where it is reachable", file=sys.stderr)
        return 0
    note = f", {len(skipped)} not found by the service" if skipped else ""
    print(f"audit: no known vulnerabilities in {audited} locked packages ({service}{note})")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    ap.add_argument("--service", choices=("pypi", "osv"), default="pypi")
    ap.add_argument("--refresh", action="store_true", help="rewrite the lock from the installed environment")
    args = ap.parse_args()
    if args.refresh:
        write_lock(args.lock)
        return 0
    return audit(args.lock, args.service)


if __name__ == "__main__":
    sys.exit(main())
