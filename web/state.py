"""What one running web app holds: settings, the store, the search backend, accounts, batches, the key."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from config.settings import Settings
from search.base import SearchBackend, open_backend
from store.db import Store
from web.accounts import Accounts
from web.batches import BatchManager
from web.security import LoginLimiter, load_secret_key

log = logging.getLogger("sohoa.web")


class IndexSync:
    """Brings the index up to the store's change feed right after a correction, in one background thread.

    A Tantivy commit costs ~100 ms at 100,000 records (and the index has one writer at a time: a running
    batch may hold it for a while), so the correction form does not wait for it: the correction is safe
    in the store when the page answers, and the thread applies it to the index at once, several
    corrections in one commit. Searches of this process wait for a sync in flight before they run
    (`wait`), so whoever just corrected a field finds the new value. When the writer is busy, the thread
    retries every `retry_s` seconds; the next batch or `sohoa reindex` would apply the feed too.
    """

    def __init__(self, store: Store, backend: SearchBackend, retry_s: float = 5.0) -> None:
        self.store = store
        self.backend = backend
        self.retry_s = retry_s
        self._cond = threading.Condition()
        self._requested = 0  # tickets handed out
        self._done = 0  # every ticket up to this one is in the index
        self._failing = False
        self._stop = False
        self._thread: threading.Thread | None = None

    def request(self) -> int:
        """Ask for a sync; returns a ticket to `wait` for."""
        with self._cond:
            self._requested += 1
            ticket = self._requested
            self._cond.notify_all()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sohoa-index-sync", daemon=True)
                self._thread.start()
        return ticket

    def wait(self, ticket: int | None = None, timeout: float = 2.0) -> bool:
        """True once the index holds every change up to `ticket` (default: all requested so far)."""
        with self._cond:
            target = self._requested if ticket is None else ticket
            return self._cond.wait_for(lambda: self._done >= target or self._failing, timeout) and \
                self._done >= target

    def sync_now(self, timeout: float = 2.0) -> bool:
        return self.wait(self.request(), timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self._requested > self._done)
                if self._stop:
                    return
                target = self._requested
            try:
                self.backend.sync_from(self.store)
                ok = True
            except Exception as exc:  # noqa: BLE001 - the store holds the truth; retry
                log.warning("index sync deferred: %s", str(exc)[:200])
                ok = False
            with self._cond:
                if ok:
                    self._done, self._failing = target, False
                else:
                    self._failing = True
                self._cond.notify_all()
                if not ok and self._cond.wait_for(lambda: self._stop, self.retry_s):
                    return

    @property
    def pending(self) -> bool:
        """Corrections not yet searchable because the index could not be written (not just in flight)."""
        with self._cond:
            return self._failing and self._requested > self._done

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()


@dataclass
class AppState:
    settings: Settings
    store: Store
    backend: SearchBackend
    accounts: Accounts
    batches: BatchManager
    secret: bytes
    limiter: LoginLimiter
    index: IndexSync = field(init=False)

    def __post_init__(self) -> None:
        self.index = IndexSync(self.store, self.backend)

    @classmethod
    def open(cls, settings: Settings) -> AppState:
        store = Store.open(settings)
        return cls(
            settings=settings,
            store=store,
            backend=open_backend(settings),
            accounts=Accounts(store, settings),
            batches=BatchManager(settings, store),
            secret=load_secret_key(settings),
            limiter=LoginLimiter(settings.web_login_max_attempts, settings.web_login_window_s),
        )

    def close(self) -> None:
        self.index.stop()
        self.backend.close()
        self.store.close()
