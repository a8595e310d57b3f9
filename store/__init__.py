"""The store: the system of record (files ledger, records, corrections, audit log, index state)."""

from store.db import FileInfo, Store, StoreError
from store.models import FileStatus
from store.privacy import mask_id

__all__ = ["FileInfo", "FileStatus", "Store", "StoreError", "mask_id"]
