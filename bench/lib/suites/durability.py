"""Durability: what syncing to the disk costs, on this machine's disk.

The forge acknowledges an issue or a pledge only once SQLite synced its
commit (`synchronous = FULL`), and a push only once git synced its objects,
the derived metadata and the refs (`core.fsync=objects,derived-metadata,
reference`, `core.fsyncMethod=fsync`). This suite measures those two costs
the way the forge incurs them, each with the setting (the "forge" column)
and without it (the "peer" column, the figure before durability): an
issue-sized insert committed in SQLite's WAL mode, and a push of a few
commits to a bare repository through `git receive-pack`.
"""

import os
import sqlite3
import time

from common import log, median, run
from report import Row

NAME = "durability"
DESCRIPTION = "cost of syncing: SQLite commits with synchronous FULL vs NORMAL, pushes with core.fsync vs without"

COMMITS = 200  # SQLite commits per sample
PUSHES = 10  # pushes per sample, each of COMMITS_PER_PUSH commits
COMMITS_PER_PUSH = 5
FSYNC = ["-c", "core.fsync=objects,derived-metadata,reference", "-c", "core.fsyncMethod=fsync"]
NO_FSYNC = ["-c", "core.fsync=none"]


def _sqlite_commits(path, synchronous):
    """Milliseconds per commit of one issue-sized row, in WAL mode."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(f"PRAGMA synchronous = {synchronous}")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS issues (id INTEGER PRIMARY KEY, title TEXT, body TEXT, created_at INTEGER)")
        body = "A paragraph of an issue's description. " * 12
        start = time.perf_counter()
        for i in range(COMMITS):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO issues (title, body, created_at) VALUES (?, ?, ?)",
                               (f"Issue {i}", body, i))
            connection.execute("COMMIT")
        return (time.perf_counter() - start) * 1000 / COMMITS
    finally:
        connection.close()


def _pushes(ctx, folder, settings):
    """Milliseconds per push of a few small commits to a bare repository,
    the receiving git run with `settings`."""
    bare = os.path.join(folder, "remote.git")
    work = os.path.join(folder, "work")
    run(["git", "init", "-q", "--bare", bare], env=ctx.env)
    run(["git", "init", "-q", "-b", "main", work], env=ctx.env)
    receive = "git " + " ".join(settings) + " receive-pack"
    total = 0.0
    for push in range(PUSHES):
        for c in range(COMMITS_PER_PUSH):
            with open(os.path.join(work, f"file-{c}.txt"), "a") as f:
                f.write(f"push {push} commit {c}\n" * 50)
            run(["git", "add", "."], cwd=work, env=ctx.env)
            run(["git", "commit", "-q", "-m", f"Change {push}.{c}"], cwd=work, env=ctx.env)
        start = time.perf_counter()
        run(["git", "push", "-q", f"--receive-pack={receive}", bare, "main"], cwd=work, env=ctx.env)
        total += time.perf_counter() - start
    return total * 1000 / PUSHES


def run_suite(ctx, info):
    rows = []
    samples = {"FULL": [], "NORMAL": []}
    for r in range(ctx.runs):
        for mode in samples:
            path = os.path.join(ctx.workdir, f"sqlite-{mode}-{r}.db")
            samples[mode].append(_sqlite_commits(path, mode))
    full, normal = median(samples["FULL"]), median(samples["NORMAL"])
    log(f"SQLite commit: {full:.2f} ms synced (FULL), {normal:.2f} ms without (NORMAL)")
    rows.append(Row("durability-sqlite-commit", "SQLite commit of an issue, synced (vs NORMAL)", "ms",
                    forge=full, peer=normal, peer_name="synchronous=NORMAL",
                    note="the forge runs synchronous=FULL: an acknowledged write survives a power loss",
                    samples={"full": samples["FULL"], "normal": samples["NORMAL"]}))

    pushes = {"fsync": [], "none": []}
    for r in range(ctx.runs):
        for mode, settings in (("fsync", FSYNC), ("none", NO_FSYNC)):
            folder = os.path.join(ctx.workdir, f"push-{mode}-{r}")
            os.makedirs(folder)
            pushes[mode].append(_pushes(ctx, folder, settings))
    synced, unsynced = median(pushes["fsync"]), median(pushes["none"])
    log(f"push: {synced:.1f} ms synced (core.fsync), {unsynced:.1f} ms without")
    rows.append(Row("durability-push", f"push of {COMMITS_PER_PUSH} commits, core.fsync (vs none)", "ms",
                    forge=synced, peer=unsynced, peer_name="core.fsync=none",
                    note="the forge passes core.fsync=objects,derived-metadata,reference to every git",
                    samples=pushes))
    info["sqlite_commits_per_sample"] = COMMITS
    info["pushes_per_sample"] = PUSHES
    return rows
