"""One way for a screen to reach the front desk: a typed `desk` and `run_service`.

Every desk screen and dialog derives from `DeskScreen` or `DeskDialog`. A service
(anything in `console.desk` that takes the `Desk` first) runs in a thread worker
with ``exit_on_error=False``; Textual posts the worker's `StateChanged` back to the
screen as a message, and on the UI thread the screen either hands the result to
the ``done`` callback or routes the failure to `service_failed`, which shows one
readable line (a `FrontDeskError`'s own text, anything else a short sentence,
never a traceback). A dialog closes only from ``done``: after its worker has
finished, on the UI thread, so closing can never cancel the worker that saved.

``hold_keys=True`` holds the keys typed meanwhile until the result has been
handled (see `screens.keys`): the key after ctrl+s lands where the saved form
put the cursor, not in the form being saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from console.desk.context import Desk

T = TypeVar("T")
R = TypeVar("R")


class DeskNotOpen(RuntimeError):
    """A screen asked for the desk before the store had opened (a programming error)."""


def error_line(error: BaseException, doing: str = "") -> str:
    """The one line a person sees for a failure: the refusal itself, or what went wrong."""
    from console.rules.errors import FrontDeskError
    from screens.widgets.literal import shown

    if isinstance(error, FrontDeskError):
        return shown(error)
    what = f" while trying to {doing}" if doing else ""
    return shown(
        f"Something unexpected went wrong{what}: {type(error).__name__}: {error}. "
        "Nothing half-done was saved."
    )


def desk_of(app: App[Any]) -> Desk:
    """The open desk of the running Front Desk (or wall) app."""
    desk: Desk | None = getattr(app, "desk", None)  # the one place that reads it untyped
    if desk is None:
        raise DeskNotOpen("the front desk is not open yet")
    return desk


def hold_keys(app: App[Any], why: str) -> Callable[[], None]:
    """Hold typed-ahead keys until the returned function is called (no-op outside Front Desk)."""
    gate = getattr(app, "keys", None)
    if gate is None:
        return lambda: None
    release: Callable[[], None] = gate.hold(why)
    return release


@dataclass
class _Job:
    done: Callable[[Any], object] | None
    doing: str
    release: Callable[[], None]
    failed: Callable[[BaseException], None] | None


class ServiceCaller(Screen[T]):
    """The part shared by desk screens and dialogs."""

    @property
    def desk(self) -> Desk:
        return desk_of(self.app)

    @property
    def desk_ready(self) -> bool:
        return getattr(self.app, "desk", None) is not None

    def _jobs(self) -> dict[Worker[Any], _Job]:
        jobs: dict[Worker[Any], _Job] | None = self.__dict__.get("_service_jobs")
        if jobs is None:
            jobs = {}
            self.__dict__["_service_jobs"] = jobs
        return jobs

    def run_service(
        self,
        service: Callable[..., R],
        *args: Any,
        done: Callable[[R], object] | None = None,
        failed: Callable[[BaseException], None] | None = None,
        doing: str = "",
        group: str = "",
        exclusive: bool = True,
        hold_keys: bool = False,
        **kwargs: Any,
    ) -> Worker[R] | None:
        """Run ``service(desk, *args, **kwargs)`` in a thread; ``done(result)`` on the UI thread.

        ``doing`` names the work in a failure message ("save the letter"). With
        ``exclusive`` a newer run of the same group replaces an older one, whose result is
        dropped. ``failed`` replaces the default one-line message for this call.

        A screen put away when its person left the desk (its mode is not on show) starts
        nothing: it would run as whoever sits there now. It catches up when they return.
        """
        if self.is_mounted and self not in self.app.screen_stack:
            return None
        desk = self.desk  # read on the UI thread: a sign-out cannot change it mid-call

        def job() -> R:
            return service(desk, *args, **kwargs)

        release = _hold(self, doing) if hold_keys else _nothing
        worker: Worker[R] = self.run_worker(
            job,
            name=doing or getattr(service, "__name__", "service"),
            group=group or doing or "service",
            thread=True,
            exclusive=exclusive,
            exit_on_error=False,
        )
        self._jobs()[worker] = _Job(done, doing, release, failed)
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a screen's worker reports: its result, or its failure as one line."""
        job = self._jobs().get(event.worker)
        if job is None:
            if event.state == WorkerState.ERROR and event.worker.error is not None:
                event.stop()
                self.service_failed(event.worker.error, event.worker.name)
            return
        state = event.state
        if state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        event.stop()
        del self._jobs()[event.worker]
        try:
            if state == WorkerState.SUCCESS and job.done is not None:
                job.done(event.worker.result)
            elif state == WorkerState.ERROR and event.worker.error is not None:
                if job.failed is not None:
                    job.failed(event.worker.error)
                else:
                    self.service_failed(event.worker.error, job.doing)
        finally:
            job.release()

    def service_failed(self, error: BaseException, doing: str) -> None:
        """One readable line for a failed service; dialogs show it inside themselves."""
        self.app.notify(error_line(error, doing), severity="error", timeout=12, markup=False)


def _nothing() -> None:
    return None


def _hold(caller: ServiceCaller[Any], doing: str) -> Callable[[], None]:
    return hold_keys(caller.app, doing or "a service")


class DeskScreen(ServiceCaller[T]):
    """A desk (Calls, Reception, Queue, ...): knows its desk, runs services one way."""


class DeskDialog(ServiceCaller[T], ModalScreen[T]):
    """A dialog over a desk: knows its desk, runs services one way, closes after success."""
