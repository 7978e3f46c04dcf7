"""Portainer's per-address rate limiter: a token bucket (burst 10, refill 1/s) and a 1 h ban."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float
    banned_until: float = 0.0


class RateLimiter:
    """Counts every attempt per client address; an empty bucket bans the address."""

    def __init__(
        self,
        burst: int = 10,
        refill_per_second: float = 1.0,
        ban_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.refill = refill_per_second
        self.ban_seconds = ban_seconds
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        """Record one attempt from `address`; False when it is (now) banned."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(address)
            if bucket is None:
                bucket = self._buckets[address] = _Bucket(tokens=float(self.burst), updated=now)
            if bucket.banned_until > now:
                return False
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.refill)
            bucket.updated = now
            if bucket.tokens < 1:
                bucket.banned_until = now + self.ban_seconds
                return False
            bucket.tokens -= 1
            return True

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()
