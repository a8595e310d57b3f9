"""Backups: `sohoa export` copies the store, the archival copies and (optionally) the originals into a
folder with a manifest of sizes and sha256; `sohoa import` verifies such a folder and restores it into a
data directory, then rebuilds the index. See backup/manifest.py for the folder's layout."""

from backup.export import ExportReport, export_backup
from backup.manifest import BackupError, Steps, UsageError, VerificationError
from backup.restore import ImportReport, import_backup, verify_backup

__all__ = [
    "BackupError", "ExportReport", "ImportReport", "Steps", "UsageError", "VerificationError", "export_backup",
    "import_backup", "verify_backup",
]
