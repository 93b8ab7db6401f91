"""HTTP load with `wrk`: requests per second and latency percentiles."""

import re
import subprocess

import packages

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_TOTAL = re.compile(r"^\s*(\d+) requests in", re.M)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def wrk(url, connections, seconds, threads=None, headers=()):
    """One wrk run; returns {rps, requests, p50_ms, p75_ms, p90_ms, p99_ms}.
    Raises when a request failed (a status outside 2xx/3xx, a socket error):
    a figure made of error pages would say nothing about the pages."""
    threads = threads or min(2, connections)
    args = [packages.program("wrk"), f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
            "--latency", "--timeout", "10s"]
    for header in headers:
        args += ["-H", header]
    result = subprocess.run(args + [url], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    text = result.stdout.decode(errors="replace")
    if result.returncode != 0:
        raise RuntimeError(f"wrk exited with {result.returncode}: {result.stderr.decode(errors='replace').strip()}")
    non_2xx = _NON_2XX.search(text)
    if non_2xx:
        raise RuntimeError(f"{non_2xx.group(1)} answers outside 2xx/3xx from {url}")
    errors = _SOCKET_ERRORS.search(text)
    if errors and any(int(n) for n in errors.groups()):
        raise RuntimeError(f"socket errors from {url}: {errors.group(0)}")
    rate, total = _RATE.search(text), _TOTAL.search(text)
    if not rate or not total:
        raise RuntimeError(f"could not read wrk's output for {url}: {text.strip()[-400:]}")
    figures = {"rps": float(rate.group(1)), "requests": int(total.group(1))}
    for percent, value, unit in _PERCENTILE.findall(text):
        figures[f"p{percent}_ms"] = float(value) * _UNITS[unit]
    if "p99_ms" not in figures:
        raise RuntimeError(f"wrk printed no latency distribution for {url}")
    return figures
