"""The Voilà server behind ``jobcoach explore``: Voilà as it is, with three limits a
local what-if tool needs.

- Only loopback ``Host`` headers are served (Voilà turns Jupyter's check off), so a web
  page elsewhere cannot drive the widgets through DNS rebinding.
- At most ``max_kernels`` live sessions: every page load starts a kernel (~130 MiB), so
  further loads get 503 until one ends; idle kernels are culled. Kernels still starting
  count: simultaneous loads are checked and counted before the first ``await``, on the
  one event loop, so they cannot all pass the check.
- It runs as a child of the ``jobcoach explore`` command, which stops it (and every
  kernel it started) whatever signal ends the command (``processes.stop_tree``).
"""

from __future__ import annotations

import sys

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Int
from voila.app import Voila


class CappedKernelManager(AsyncMappingKernelManager):
    """Voilà's kernel manager with a cap on live kernels."""

    max_kernels = Int(4, help="live kernels at most; further page loads get 503").tag(config=True)

    starting = Int(0, help="kernels asked for and not yet started")

    async def start_kernel(self, *args, **kwargs):  # noqa: D102
        if len(self.list_kernel_ids()) + self.starting >= self.max_kernels:
            raise web.HTTPError(
                503,
                f"the explorer already runs {self.max_kernels} sessions; close a tab, or "
                "wait until an idle one is culled",
            )
        self.starting += 1  # before any await: the check and the count are one step
        try:
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
