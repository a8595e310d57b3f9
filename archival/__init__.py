"""Archival copies (PDF/A) of digitised documents."""
