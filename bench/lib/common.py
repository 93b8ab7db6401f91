"""Helpers shared by every suite: logging, commands, timing, ports, files."""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(BENCH_DIR)
CACHE_DIR = os.path.join(BENCH_DIR, ".cache")
RESULTS_DIR = os.path.join(BENCH_DIR, "results")


class Context:
    """What a suite gets from bench/run: the forge binary, its own scratch
    folder, an isolated git environment (see git_env) and the runs per figure."""

    def __init__(self, forge_binary, workdir, env, runs):
        self.forge_binary = forge_binary
        self.workdir = workdir
        self.env = env
        self.runs = runs


class CannotRun(Exception):
    """The benchmark cannot run at all (missing tool, failed build, ...)."""


def log(message):
    """Progress messages go to standard error; the table to standard output."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def env_int(name, default):
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise CannotRun(f"{name} must be an integer, not {value!r}")


def env_flag(name):
    return os.environ.get(name, "") not in ("", "0", "false", "no")


def run(args, *, cwd=None, env=None, input=None, check=True, quiet=True):
    """Runs a command to completion; raises CannotRun-friendly errors."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        input=input,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.PIPE if quiet else None,
    )
    if check and result.returncode != 0:
        detail = (result.stderr or b"").decode(errors="replace").strip()[-2000:]
        raise RuntimeError(f"`{' '.join(map(str, args))}` exited with {result.returncode}: {detail}")
    return result


def output(args, **kwargs):
    return run(args, **kwargs).stdout.decode().strip()


def timed(args, **kwargs):
    """Seconds taken by one run of a command (which must succeed)."""
    start = time.perf_counter()
    run(args, **kwargs)
    return time.perf_counter() - start


def median(values):
    return statistics.median(values) if values else None


def free_port():
    """A TCP port free on 127.0.0.1 right now (a tiny race remains)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def make_workdir(prefix="forge-bench-"):
    return tempfile.mkdtemp(prefix=prefix)


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


def tree_size(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def require_tools(*names):
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        raise CannotRun(f"missing tool(s) on PATH: {', '.join(missing)}")


def git_env(home):
    """An environment where git reads no system or user configuration, so the
    forge's git, the daemon's git and the client all run on git's defaults."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("GIT_"):
            del env[name]
    os.makedirs(home, exist_ok=True)
    env.update(
        HOME=home,
        XDG_CONFIG_HOME=os.path.join(home, ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.org",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.org",
        LC_ALL="C",
    )
    return env
