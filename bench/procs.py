"""Processes of a benchmark run: a gunicorn master's workers, their CPU time, and waiting for quiet."""

from __future__ import annotations

import os
import time


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (those still running)."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def gunicorn_pids(master: int) -> list[int]:
    """The master and its workers."""
    pids = [master]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return pids


def wait_until_booted(master: int, workers: int, timeout: float = 60.0) -> None:
    """Block until gunicorn's `workers` workers exist and have stopped using CPU (each imports the
    app after the master opens the port; a measurement started before would share the CPU with
    those imports)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        pids = gunicorn_pids(master)
        used = cpu_seconds(pids)
        if len(pids) > workers and last is not None and used - last < 0.02:
            return
        last = used
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn {master} did not settle within {timeout:.0f} s")


def cpu_by_command() -> dict[str, float]:
    """CPU seconds used so far by every process on the machine, summed per command name (`comm`).
    The difference of two calls shows who used the CPU in between (processes that ended in between
    are missing from it)."""
    totals: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                head, tail = f.read().rsplit(")", 1)
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = tail.split()
        name = head.split("(", 1)[1]
        totals[name] = totals.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return totals
