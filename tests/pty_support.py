"""What the pseudo-terminal tests share: how long they wait and how the child is started."""

from __future__ import annotations

import signal

WAIT = 30
"""Seconds an expectation may wait on a loaded machine; one that is met returns at once."""


def like_a_shell() -> None:
    """Start the child with the signals a shell gives a program: default actions, none blocked.

    pexpect forks the test process, whose signal state earlier tests may have changed (an
    ignored SIGINT is inherited across exec, and Python then never raises KeyboardInterrupt).
    """
    for number in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP):
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
