"""The Voilà server behind ``jobcoach explore``: Voilà as it is, with three limits a
local what-if tool needs.

- Only loopback ``Host`` headers are served (Voilà turns Jupyter's check off), so a web
  page elsewhere cannot drive the widgets through DNS rebinding.
- At most ``max_kernels`` live sessions: every page load starts a kernel (~130 MiB), so
  further loads get 503, with the reason and what to do in words, until one ends. A
  closed tab's session ends: promptly after its page disconnects, and at once when a new
  page needs its place; idle kernels are culled too. Kernels still starting count:
  simultaneous loads are checked and counted before the first ``await``, on the one event
  loop, so they cannot all pass the check.
- It runs as a child of the ``jobcoach explore`` command, which stops it (and every
  kernel it started) whatever signal ends the command (``processes.stop_tree``).
"""

from __future__ import annotations

import sys

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from tornado.ioloop import IOLoop
from traitlets import Float, Int
from voila.app import Voila

#: what a page load over the cap reads, in words (the page shows it as the error's title)
BUSY = (
    "The explorer already has {n} sessions open. Close another explorer tab (its session "
    "ends as it closes), or wait a minute and reload this page"
)


class CappedKernelManager(AsyncMappingKernelManager):
    """Voilà's kernel manager with a cap on live kernels, where a closed tab's kernel
    ends: a session whose page connected and then disconnected ends ``closed_after``
    seconds later unless a page reconnects (a reload), and at once when a new page needs
    its place under the cap."""

    max_kernels = Int(4, help="live kernels at most; further page loads get 503").tag(config=True)
    closed_after = Float(10.0, help="seconds a session outlives its closed page").tag(config=True)

    starting = Int(0, help="kernels asked for and not yet started")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._seen: set[str] = set()  # kernels a page has connected to
        self._ending: set[str] = set()  # kernels being shut down to make room

    def notify_connect(self, kernel_id: str) -> None:  # noqa: D102
        super().notify_connect(kernel_id)
        self._seen.add(kernel_id)

    def notify_disconnect(self, kernel_id: str) -> None:  # noqa: D102
        super().notify_disconnect(kernel_id)
        if self._closed(kernel_id):
            IOLoop.current().call_later(self.closed_after, self._end_if_closed, kernel_id)

    def _closed(self, kernel_id: str) -> bool:
        """A page connected to it, and none is connected now."""
        return (
            kernel_id in self._seen
            and kernel_id not in self._ending
            and kernel_id in self.list_kernel_ids()
            and self._kernel_connections.get(kernel_id, 0) == 0
        )

    async def _end_if_closed(self, kernel_id: str) -> None:
        if self._closed(kernel_id):
            self._ending.add(kernel_id)
            try:
                await self.shutdown_kernel(kernel_id)
            finally:
                self._ending.discard(kernel_id)
                self._seen.discard(kernel_id)

    async def start_kernel(self, *args, **kwargs):  # noqa: D102
        # the check, the room made and the count are one step, before any await
        live = len(self.list_kernel_ids()) - len(self._ending) + self.starting
        room = None
        if live >= self.max_kernels:
            room = next((k for k in self.list_kernel_ids() if self._closed(k)), None)
            if room is None:
                message = BUSY.format(n=self.max_kernels)
                raise web.HTTPError(503, message, reason=message)
            self._ending.add(room)
        self.starting += 1
        try:
            if room is not None:
                try:
                    await self.shutdown_kernel(room)
                finally:
                    self._ending.discard(room)
                    self._seen.discard(room)
            return await super().start_kernel(*args, **kwargs)
        finally:
            self.starting -= 1


class ExplorerVoila(Voila):
    """Voilà that answers only requests addressed to this machine (loopback Host)."""

    def init_settings(self) -> dict:  # noqa: D102
        settings = super().init_settings()
        settings["allow_remote_access"] = False
        settings["local_hostnames"] = ["localhost"]
        return settings


def main(argv: list[str] | None = None) -> None:
    """Run the server (the arguments are Voilà's)."""
    ExplorerVoila.launch_instance(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
