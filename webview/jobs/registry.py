"""Where job kinds and periodic schedules are declared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from webview.jobs.models import Job

Handler = Callable[["Job"], None]

HANDLERS: dict[str, Handler] = {}
PERIODIC: dict[str, PeriodicSchedule] = {}
PERIODIC_KIND_PREFIX = "periodic."


@dataclass(frozen=True)
class PeriodicSchedule:
    """A function run once per period of `every_seconds` (periods aligned to the Unix epoch)."""

    name: str
    every_seconds: int
    func: Callable[[], None]

    @property
    def kind(self) -> str:
        return PERIODIC_KIND_PREFIX + self.name


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of `kind`; it receives the Job and must be idempotent.

    The handler runs in an app context inside its own transaction; its database work is committed together
    with the job's "done" mark (it need not commit). Raising marks the attempt failed and rolls back.
    """
    if not kind or len(kind) > 100:
        raise ValueError("a job kind is 1 to 100 characters")

    def register(func: Handler) -> Handler:
        existing = HANDLERS.get(kind)
        if existing is not None and _qualname(existing) != _qualname(func):
            raise ValueError(f"job kind {kind!r} already has a handler: {_qualname(existing)}")
        HANDLERS[kind] = func
        return func

    return register


def periodic(name: str, every_seconds: int) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register a no-argument function to run once per `every_seconds` period across all workers.

    Each period becomes one job with key `periodic:<name>:<period start epoch>`, so however many workers
    schedule it, it runs once (retried like any job if it raises).
    """
    if every_seconds < 1:
        raise ValueError("every_seconds must be at least 1")

    def register(func: Callable[[], None]) -> Callable[[], None]:
        schedule = PeriodicSchedule(name=name, every_seconds=every_seconds, func=func)
        existing = PERIODIC.get(name)
        if existing is not None and _qualname(existing.func) != _qualname(func):
            raise ValueError(f"periodic schedule {name!r} is already declared by {_qualname(existing.func)}")
        PERIODIC[name] = schedule
        HANDLERS[schedule.kind] = lambda job: schedule.func()
        return func

    return register


def _qualname(func: Callable) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
