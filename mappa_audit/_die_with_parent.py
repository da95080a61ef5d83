"""``python -P _die_with_parent.py PROGRAM [ARG…]``: run PROGRAM, which is sent SIGTERM when
the process that started it dies, however it dies (Linux; elsewhere PROGRAM just runs).

The hub starts configurable-http-proxy and the auditors' JupyterLab servers in sessions of
their own and stops them when it stops; a hub that is killed cannot, so ``jupyterhub_config.py``
starts them through this. Run as a file with the standard library only, so it costs nothing
before PROGRAM starts (``exec``: PROGRAM keeps this process's id, which the hub records).
"""

from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1
"""prctl's option (linux/prctl.h): the signal this process gets when its parent dies."""


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -P _die_with_parent.py PROGRAM [ARG…]")
    if sys.platform.startswith("linux"):
        import ctypes

        parent = os.getppid()
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # it died before the line above: nothing would tell us
            sys.exit("the process that started this one has stopped")
    os.execvp(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
