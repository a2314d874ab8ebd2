"""Admission control: at most `capacity` units of work use the database at once; the others
wait their turn in a short first-come-first-served queue, and whoever cannot get in quickly
gets a fast 503 with `Retry-After` (`Busy`) instead of a long wait.

Why: a request holds a pooled connection across several thread hops. Without a gate, a
burst larger than the thread pool leaves every worker thread waiting for a connection while
the requests that hold the connections wait for a thread — the server stalls. With the gate
sized to what the database can take (one writer at a time on SQLite; 4 on PostgreSQL),
units of work inside always find a connection and a thread, and a burst turns into a queue,
then into clear "try again" answers, never into a stall or a 500.

The gate covers the unit of work only (`api.deps`: from the session's start to its commit or
roll back), not the whole request: reading and checking the next request, and sending the
last one's answer, go on while one unit of work holds the database, so the single SQLite
writer is never left waiting for the HTTP around it. A request that touches no database
(static files, health check) never queues.
"""

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from api.errors import RETRY_HEADERS, AppError


class Busy(AppError):
    """Too many requests at once: nothing was done, try again in a moment."""

    status = 503
    headers = RETRY_HEADERS

    def __init__(self) -> None:
        super().__init__("error.busy")


class Gate:
    """A FIFO gate: `capacity` holders at once, at most `max_queue` waiting, each for at most
    `max_wait` seconds."""

    def __init__(self, capacity: int, max_queue: int, max_wait: float):
        self.capacity, self.max_queue, self.max_wait = capacity, max_queue, max_wait
        self.inside = 0
        self.waiting: deque[asyncio.Future] = deque()

    @classmethod
    def for_database(cls, is_postgres: bool, capacity: int, max_queue: int, max_wait: float,
                     processes: int = 1) -> "Gate":
        """Sized to the database: `capacity` 0 means one on SQLite (its writers queue anyway:
        a second one inside would only poll in SQLite's busy handler), 4 on PostgreSQL: the
        app's threads share one interpreter lock, and with 8 inside, a thread holding a row
        lock (the decision, the register's head) waited its turn for the lock of Python while
        the others queued behind its row lock (votes at 32 connections, 2 cores: 4 inside
        answered 187-275 votes/s where 8 answered 151-218, and held up better at 256).

        Those 4 are for the whole database: with several app `processes` (`relais serve
        --workers N`) each lets in its share, rounded up. Two processes of 4 each held 8
        transactions on the register's head: 481 votes/s and a p99 of 128 ms at 32
        connections, where two of 2 each answered 641 votes/s with a p99 of 100 ms."""
        default = -(-4 // max(1, processes)) if is_postgres else 1
        return cls(capacity or default, max_queue, max_wait)

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Inside the gate for the block; `Busy` when the queue is full or the wait too long."""
        if not await self.enter():
            raise Busy()
        try:
            yield
        finally:
            self.leave()

    async def enter(self) -> bool:
        if self.inside < self.capacity and not self.waiting:
            self.inside += 1
            return True
        if len(self.waiting) >= self.max_queue:
            return False
        turn: asyncio.Future = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.max_wait)
            return True
        except TimeoutError:
            if turn.done() and not turn.cancelled():
                return True  # admitted at the very last moment: the place is ours
            turn.cancel()
            return False
        except asyncio.CancelledError:  # the client went away while waiting
            if turn.done() and not turn.cancelled():
                self.leave()  # a place handed to us goes to the next in line
            else:
                turn.cancel()
            raise
        finally:
            if turn in self.waiting:
                self.waiting.remove(turn)

    def leave(self) -> None:
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(True)  # the place passes directly to the next in line
                return
        self.inside -= 1
