"""The one table of ``k1sim`` exit codes; every command returns one of these.

A new code goes here (and into docs/running.md's table), never as a local constant.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    #: a check failed: an expect of ``run``, or golden cycles / expects of ``report``
    CHECK_FAILED = 1
    #: bad input: a file that does not parse or verify, a bad flag value, an unknown arch
    INPUT = 2
    #: the simulated kernel faulted: memory fault, deadlock, capacity
    FAULT = 3
    #: Ctrl-C stopped a run, a sweep or a tuning; what finished is reported and kept (128 +
    #: SIGINT, as shells do)
    INTERRUPTED = 130
