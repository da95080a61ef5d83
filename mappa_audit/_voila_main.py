"""Voila's own entry point, as ``mappa-audit serve`` runs it, with one repair.

With several board members opening the dashboard at the same moment on a small machine, a
kernel's reply could sit unread in its socket: the wake-up of pyzmq's asyncio poll was missed,
and Voila's server-side run of the notebook waited for that reply for ever, leaving the
viewer on "Running…" (seen with Voila 0.5.13, jupyter_client 8.10, pyzmq 26 and 27, ipykernel
6 and 7: 1 to 3 pages in 8 never rendered). Polling again every half second reads a reply that
is already there; nothing else changes. ``benchmarks/dashboard_load.py`` measures the effect.
"""

from __future__ import annotations

import sys
import time
from queue import Empty
from typing import Any

from jupyter_client.channels import AsyncZMQSocketChannel

REPOLL_SECONDS = 0.5


async def _get_msg(self: AsyncZMQSocketChannel, timeout: float | None = None) -> dict[str, Any]:
    """``AsyncZMQSocketChannel.get_msg`` that never trusts one wake-up to come."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = REPOLL_SECONDS if deadline is None else max(0.0, deadline - time.monotonic())
        if await self.socket.poll(int(min(REPOLL_SECONDS, left) * 1000)):
            message: dict[str, Any] = await self._recv()
            return message
        if deadline is not None and time.monotonic() >= deadline:
            raise Empty


def main() -> None:
    AsyncZMQSocketChannel.get_msg = _get_msg  # type: ignore[method-assign]
    from voila.app import main as voila_main  # type: ignore[import-untyped]

    sys.exit(voila_main())


if __name__ == "__main__":
    main()
