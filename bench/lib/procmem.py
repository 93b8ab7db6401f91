"""Memory of processes, read from /proc (Linux only).

VmRSS is the resident set now; VmHWM its peak since the process started (or
since the peak was reset through /proc/PID/clear_refs). Child processes have
their own figures: a forge serving git runs `git upload-pack`, which runs
`git pack-objects`, and their memory is not in the forge's VmRSS.
"""

import os
import threading
import time


def status(pid):
    """The Vm* fields of /proc/PID/status in KiB, or {} if the process is gone."""
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Vm"):
                    key, value = line.split(":", 1)
                    fields[key] = int(value.split()[0])
    except (OSError, ValueError):
        return {}
    return fields


def rss_kib(pid):
    return status(pid).get("VmRSS", 0)


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux ≥ 4.0); False if not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _parent_map():
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after the last ')'.
        rest = stat[stat.rfind(")") + 2 :].split()
        if len(rest) > 1:
            parents[int(entry)] = int(rest[1])
    return parents


def descendants(pid):
    """Every process below pid (children, grandchildren, ...)."""
    children = {}
    for child, parent in _parent_map().items():
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Sampler:
    """Samples, every `interval` seconds in a thread, the RSS of one process
    alone and of that process plus all its descendants; keeps the peaks.

    The sum of RSS counts pages shared between processes (the git binary,
    libraries) once per process, so it overstates the memory really used."""

    def __init__(self, pid, interval=0.02):
        self.pid = pid
        self.interval = interval
        self.peak_self_kib = 0
        self.peak_tree_kib = 0
        self.peak_children = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            started = time.perf_counter()
            own = rss_kib(self.pid)
            below = descendants(self.pid)
            tree = own + sum(rss_kib(child) for child in below)
            self.peak_self_kib = max(self.peak_self_kib, own)
            self.peak_tree_kib = max(self.peak_tree_kib, tree)
            self.peak_children = max(self.peak_children, len(below))
            self.samples += 1
            self._stop.wait(max(0.0, self.interval - (time.perf_counter() - started)))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """(own CPU, CPU of waited-for children) of a process, in seconds.

    The second figure grows when the process reaps a child: the forge waits
    for each git it runs, git upload-pack for its pack-objects, and git
    daemon for the process serving each connection."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    utime, stime, cutime, cstime = (int(v) for v in rest[11:15])
    return (utime + stime) / CLOCK_TICKS, (cutime + cstime) / CLOCK_TICKS


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(v) for v in f.read().split()[:3]]
    except OSError:
        return None
