"""Pages: the forge's code pages side by side with cgit's under load, and
the forge's data-heavy pages (issue list, funding panel, pledges) on a
database of 100,000 issues, 1,000 funding goals and 10,000 pledges.

Peer: cgit behind nginx and fcgiwrap, cache off (one fork and exec of
cgit.cgi per request), reading a bare copy of the same repository.
"""

import os
import sqlite3
import time
import urllib.error
import urllib.request

import packages
import procmem
import repogen
from cgi_peers import CgiPeers
from common import BENCH_DIR, env_int, log, median, output, run
from load import wrk
from report import Row
from servers import Forge

NAME = "web"
DESCRIPTION = "pages: the forge vs cgit under wrk; issue list, funding panel and pledges on 100,000 issues"

USER, EMAIL, PASSWORD = "bench", "bench@example.org", "bench password"
REPO = "big"
SEED_SQL = os.path.join(BENCH_DIR, "data", "pages.sql")
MB = 1024 / 1e6  # KiB -> MB (10^6 bytes)

# The same page on both: (id, what, forge path, cgit path). {commit} is a
# commit that edits the 2,000-line file and a few small ones.
CODE_PAGES = [
    ("home", "repository home", f"/{USER}/{REPO}", f"/{REPO}/"),
    ("tree", "tree of the root folder", f"/{USER}/{REPO}/src/branch/main", f"/{REPO}/tree/"),
    ("file", "the 2,000-line file", f"/{USER}/{REPO}/src/branch/main/{repogen.BIG_FILE}",
     f"/{REPO}/tree/{repogen.BIG_FILE}"),
    ("history", "history, 50 commits", f"/{USER}/{REPO}/commits/branch/main", f"/{REPO}/log/"),
    ("commit", "one commit", f"/{USER}/{REPO}/commit/{{commit}}", f"/{REPO}/commit/?id={{commit}}"),
]


def _fetch(url):
    """Status and size of one GET."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, len(answer.read())
    except urllib.error.HTTPError as e:
        return e.code, 0


def _check(url):
    status, size = _fetch(url)
    if status != 200:
        raise RuntimeError(f"{url} answered {status}")
    return size


def _seed(database):
    """Runs bench/data/pages.sql on the forge's SQLite file (forge stopped)."""
    with open(SEED_SQL) as f:
        script = f.read()
    connection = sqlite3.connect(database)
    try:
        connection.executescript(script)
        connection.commit()
        label = connection.execute(
            "SELECT l.id FROM labels l JOIN repositories r ON r.id = l.repo_id "
            "WHERE r.name = ? AND l.name = 'bug'", (REPO,)).fetchone()[0]
        counts = {
            table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("issues", "funding_goals", "pledges", "organisations")
        }
    finally:
        connection.close()
    return label, counts


def run_suite(ctx, info):
    params = repogen.parameters_from_env()
    connections = env_int("BENCH_CONNECTIONS", 16)
    seconds = env_int("BENCH_WRK_SECONDS", 5)
    wrk_runs = env_int("BENCH_WRK_RUNS", 3)
    env, work = ctx.env, ctx.workdir
    packages.ensure("wrk", "nginx", "fcgiwrap", "cgit")
    source, meta = repogen.ensure(params, env)
    commit = output(["git", "rev-parse", "main~4"], cwd=source, env=env)
    info.update(repository=meta, connections=connections, wrk_seconds=seconds, wrk_runs=wrk_runs,
                commit=commit)

    rows = []
    forge = Forge(ctx.forge_binary, os.path.join(work, "forge-data"), env, os.path.join(work, "forge.log"))
    cgit_repo = os.path.join(work, "git", f"{REPO}.git")
    peers = CgiPeers(os.path.join(work, "cgi"), os.path.dirname(cgit_repo), cgit_repo, env)
    try:
        forge.start()
        log("creating the repository on the forge and cgit's bare copy")
        forge.host_repository(source, USER, EMAIL, PASSWORD, REPO)
        run(["git", "init", "--quiet", "--bare", "--initial-branch=main", cgit_repo], env=env)
        run(["git", "push", "--quiet", f"file://{cgit_repo}", "refs/heads/main:refs/heads/main"], cwd=source, env=env)
        peers.start()

        # --- Code pages: the forge and cgit under the same load --------------
        log(f"code pages: wrk, {connections} connections, {wrk_runs} × {seconds} s on each server")
        for id, what, forge_path, cgit_path in CODE_PAGES:
            urls = {"forge": forge.url + forge_path.format(commit=commit),
                    "cgit": peers.nginx.cgit_url + cgit_path.format(commit=commit)}
            try:
                sizes = {who: _check(url) for who, url in urls.items()}
                for url in urls.values():
                    wrk(url, connections, 1)  # warm-up
                results = {who: [] for who in urls}
                order = list(urls)
                for i in range(wrk_runs):
                    for who in (order if i % 2 == 0 else order[::-1]):
                        results[who].append(wrk(urls[who], connections, seconds))
                rps = {who: median([r["rps"] for r in rs]) for who, rs in results.items()}
                p99 = {who: median([r["p99_ms"] for r in rs]) for who, rs in results.items()}
                log(f"{what}: forge {rps['forge']:.0f} req/s (p99 {p99['forge']:.1f} ms), "
                    f"cgit {rps['cgit']:.0f} req/s (p99 {p99['cgit']:.1f} ms)")
                samples = {who: rs for who, rs in results.items()}
                rows.append(Row(
                    f"{id}_rps", f"{what}: requests per second", "req/s", forge=rps["forge"],
                    peer=rps["cgit"], peer_name="cgit", goal=("ratio", ">=", 3), samples=samples,
                    note=f"{what}: forge {forge_path.format(commit=commit[:12] + '…')} "
                         f"({sizes['forge'] / 1000:.0f} kB), cgit {cgit_path.format(commit=commit[:12] + '…')} "
                         f"({sizes['cgit'] / 1000:.0f} kB).",
                ))
                rows.append(Row(
                    f"{id}_p99_ms", f"{what}: p99 latency", "ms", forge=p99["forge"], peer=p99["cgit"],
                    peer_name="cgit", goal=("forge", "<", 50),
                ))
            except Exception as e:  # noqa: BLE001 - a failed figure is reported, not fatal
                row = Row(f"{id}_rps", f"{what}: requests per second", "req/s", goal=("ratio", ">=", 3))
                row.error = str(e)
                rows.append(row)
        # What a view costs when the cache does not hold it: five earlier
        # versions of the file (it changes every fifth commit), never shown.
        try:
            first_views = []
            for back in (5, 10, 15, 20, 25):
                version = output(["git", "rev-parse", f"main~{back}"], cwd=source, env=env)
                url = f"{forge.url}/{USER}/{REPO}/src/commit/{version}/{repogen.BIG_FILE}"
                started = time.perf_counter()
                _check(url)
                first_views.append((time.perf_counter() - started) * 1000)
            log(f"first views of the 2,000-line file: {', '.join(f'{v:.0f}' for v in first_views)} ms")
            rows.append(Row(
                "file_first_view_ms", "the 2,000-line file: first view of a version", "ms",
                forge=median(first_views), samples={"forge": first_views},
                note="Single requests for five versions of the file not shown before: reading, "
                     "highlighting (syntect) and rendering. Later views of a version come from the "
                     "cache while it holds the version (8 MiB of highlighted files).",
            ))
        except Exception as e:  # noqa: BLE001
            row = Row("file_first_view_ms", "the 2,000-line file: first view of a version", "ms")
            row.error = str(e)
            rows.append(row)
        info["forge_rss_after_code_pages_mb"] = procmem.rss_kib(forge.pid) * MB
        peers.stop()

        # --- Data pages on a large database -----------------------------------
        forge.stop()
        log("filling the database: 100,000 issues, 1,000 goals, 10,000 pledges (bench/data/pages.sql)")
        started = time.perf_counter()
        label, counts = _seed(os.path.join(forge.data_dir, "forge.db"))
        info["database"] = dict(counts, seeded_in_s=round(time.perf_counter() - started, 1),
                                bytes=os.path.getsize(os.path.join(forge.data_dir, "forge.db")))
        log(f"seeded in {info['database']['seeded_in_s']} s: {counts}")
        forge.start()
        time.sleep(1.0)
        idle = procmem.status(forge.pid)
        rows.append(Row(
            "startup_seeded_ms", "start-up on the filled database", "ms", forge=forge.startup_ms,
            goal=("forge", "<", 200),
            note=f"spawn to the first 200 from /-/health with {counts['issues']:,} issues and "
                 f"{counts['pledges']:,} pledges in SQLite ({info['database']['bytes'] / 1e6:.0f} MB).",
        ))
        rows.append(Row(
            "idle_seeded_rss_mb", "idle RSS 1 s after start, filled database", "MB",
            forge=idle.get("VmRSS", 0) * MB, goal=("forge", "<", 25),
        ))

        # Keyset pages: the deep page starts after issue 3,000, near the end
        # of the 80,000 open issues (newest first, 30 a page).
        deep = 3000
        data_pages = [
            ("issues_first", "issue list, first page", f"/{USER}/{REPO}/issues", None),
            ("issues_deep", "issue list, deep page", f"/{USER}/{REPO}/issues?after={deep}", "issues_first"),
            ("issues_label_first", "issue list filtered by label, first page",
             f"/{USER}/{REPO}/issues?label={label}", None),
            ("issues_label_deep", "issue list filtered by label, deep page",
             f"/{USER}/{REPO}/issues?label={label}&after={deep}", "issues_label_first"),
            ("issues_search", "issue list, text search", f"/{USER}/{REPO}/issues?q=number+4242", None),
            ("funding_panel", "issue page with funding panel, 1,009 pledges", f"/{USER}/{REPO}/issues/1", None),
            ("org_pledges", "organisation pledges page (1,000 pledges)", "/org/org1/pledges", None),
        ]
        log(f"data pages: wrk, 1 connection, {wrk_runs} × {seconds} s each")
        medians = {}
        for id, what, path, first in data_pages:
            url = forge.url + path
            try:
                size = _check(url)
                wrk(url, 1, 1)  # warm-up
                results = [wrk(url, 1, seconds) for _ in range(wrk_runs)]
                p50 = median([r["p50_ms"] for r in results])
                p99 = median([r["p99_ms"] for r in results])
                medians[id] = p50
                log(f"{what}: median {p50:.2f} ms, p99 {p99:.2f} ms")
                rows.append(Row(
                    f"{id}_p99_ms", f"{what}: p99 latency", "ms", forge=p99, goal=("forge", "<", 20),
                    samples={"forge": results},
                    note=f"{path} ({size / 1000:.0f} kB), one connection: median {p50:.2f} ms.",
                ))
                if first and first in medians:
                    rows.append(Row(
                        f"{id}_vs_first", f"{what} vs first page: median latency", "ms", forge=p50,
                        peer=medians[first], peer_name="first page", goal=("ratio", "<=", 1.1),
                        note="Deep pages are read by keyset (issues before a number), so their cost must "
                             "not grow with depth; 10 % is left for noise.",
                    ))
            except Exception as e:  # noqa: BLE001
                row = Row(f"{id}_p99_ms", f"{what}: p99 latency", "ms", goal=("forge", "<", 20))
                row.error = str(e)
                rows.append(row)
        info["forge_rss_at_end_mb"] = procmem.rss_kib(forge.pid) * MB
    finally:
        forge.stop()
        peers.stop()
    return rows
