"""Who is online in which draft, and in which paragraph.

In one process the table lives in memory. With several processes (a Redis message queue) it lives in Redis,
so that every process announces the same list; each entry carries the time it was last written and entries
of a process that died without saying goodbye fade out after `STALE_AFTER` seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

STALE_AFTER = 90.0
REFRESH_EVERY = 30.0


def public_id(sid: str) -> str:
    """A connection's id as others may see it: stable, but not the socket id itself."""
    return hashlib.sha256(sid.encode()).hexdigest()[:12]


class Presence:
    def __init__(self, redis_url: str | None = None):
        self._lock = threading.Lock()
        self._local: dict[int, dict[str, dict[str, Any]]] = {}
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url)
            threading.Thread(target=self._keep_fresh, name="penholder-presence", daemon=True).start()

    def enter(self, draft_id: int, sid: str, who: dict[str, Any]) -> list[dict[str, Any]]:
        return self._write(draft_id, sid, {"id": public_id(sid), **who, "paragraph": None})

    def move(self, draft_id: int, sid: str, paragraph: str | None) -> list[dict[str, Any]]:
        entry = self._read(draft_id).get(sid)
        if entry is None:
            return self.online(draft_id)
        return self._write(draft_id, sid, {**entry, "paragraph": paragraph})

    def leave(self, draft_id: int, sid: str) -> list[dict[str, Any]]:
        with self._lock:
            self._local.get(draft_id, {}).pop(sid, None)
        if self._redis is not None:
            self._redis.hdel(self._key(draft_id), sid)
        return self.online(draft_id)

    def online(self, draft_id: int) -> list[dict[str, Any]]:
        entries = self._read(draft_id).values()
        return sorted(entries, key=lambda e: (e.get("delegation") or "", e.get("user") or "", e["id"]))

    # storage ----------------------------------------------------------------------------------
    @staticmethod
    def _key(draft_id: int) -> str:
        return f"penholder:presence:{draft_id}"

    def _write(self, draft_id: int, sid: str, entry: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:  # this process's own entries, kept fresh in Redis by `_keep_fresh`
            self._local.setdefault(draft_id, {})[sid] = entry
        if self._redis is not None:
            self._redis.hset(self._key(draft_id), sid, json.dumps({**entry, "seen": time.time()}))
        return self.online(draft_id)

    def _keep_fresh(self) -> None:
        while True:
            time.sleep(REFRESH_EVERY)
            with self._lock:
                own = [(d, sid, entry) for d, entries in self._local.items() for sid, entry in entries.items()]
            try:
                for draft_id, sid, entry in own:
                    self._redis.hset(self._key(draft_id), sid, json.dumps({**entry, "seen": time.time()}))
            except Exception:  # Redis away for a moment: the next round tries again
                log.warning("could not refresh presence in Redis", exc_info=True)

    def _read(self, draft_id: int) -> dict[str, dict[str, Any]]:
        if self._redis is None:
            with self._lock:
                return dict(self._local.get(draft_id, {}))
        now = time.time()
        entries = {}
        for sid, raw in self._redis.hgetall(self._key(draft_id)).items():
            entry = json.loads(raw)
            if now - entry.pop("seen", 0) < STALE_AFTER:
                entries[sid.decode()] = entry
        return entries
