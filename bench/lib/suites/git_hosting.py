"""Git hosting: clones and fetches through the forge and through `git daemon`
on the same generated repository, and the forge's memory and start-up time.

Peers: `git daemon` (git's own server, one process per connection, no HTTP)
and `git http-backend` behind nginx and fcgiwrap (smart HTTP, like the forge).
"""

import os
import subprocess
import time

import procmem
import repogen
from common import env_int, log, output, remove_tree, run, timed, median
from report import Row
from cgi_peers import CgiPeers
from servers import Forge, GitDaemon

NAME = "git"
DESCRIPTION = "clone/fetch through the forge vs git daemon and git http-backend; forge memory and start-up"

USER, EMAIL, PASSWORD = "bench", "bench@example.org", "bench password"
REPO = "big"
MB = 1024 / 1e6  # KiB -> MB (10^6 bytes)


def _clone_args(url, dest, bare):
    args = ["git", "-c", "protocol.version=2", "clone", "--quiet", "--no-local"]
    if bare:
        args.append("--bare")
    return args + [url, dest]


def _pack_files(repo_dir):
    pack_dir = os.path.join(repo_dir, "objects", "pack")
    packs = sorted(n for n in os.listdir(pack_dir) if n.endswith(".pack"))
    return packs, sum(os.path.getsize(os.path.join(pack_dir, n)) for n in packs)


def _find_repo_dir(root):
    """The bare repository stored somewhere below root (the forge keeps them
    by id, under DATA_DIR/repositories)."""
    for dirpath, dirnames, _files in os.walk(root):
        if "objects" in dirnames and os.path.isfile(os.path.join(dirpath, "HEAD")):
            return dirpath
    return None


def run_suite(ctx, info):
    """Returns the rows; `info` (a dict) receives facts for the JSON file.
    ctx is a common.Context."""
    params = repogen.parameters_from_env()
    concurrency = env_int("BENCH_CONCURRENCY", 8)
    interval = env_int("BENCH_SAMPLE_MS", 20) / 1000
    env, work, runs = ctx.env, ctx.workdir, ctx.runs
    source, meta = repogen.ensure(params, env)
    info["repository"] = meta
    info["concurrency"] = concurrency
    info["sample_interval_ms"] = interval * 1000

    rows = []
    forge = Forge(ctx.forge_binary, os.path.join(work, "forge-data"), env, os.path.join(work, "forge.log"))
    daemon_base = os.path.join(work, "daemon")
    daemon = GitDaemon(daemon_base, env, os.path.join(work, "daemon.log"))
    # git http-backend serves the daemon's copy: both read the same files.
    peers = CgiPeers(os.path.join(work, "cgi"), daemon_base, os.path.join(daemon_base, f"{REPO}.git"), env)
    try:
        # --- Start-up and idle memory -------------------------------------
        forge.start()  # fresh data folder: includes creating and migrating SQLite
        daemon_repo = os.path.join(daemon_base, f"{REPO}.git")
        run(["git", "init", "--quiet", "--bare", "--initial-branch=main", daemon_repo], env=env)
        daemon.start()
        time.sleep(1.0)
        forge_idle, daemon_idle = procmem.status(forge.pid), procmem.status(daemon.pid)
        # The forge's RSS after each step, to see what makes it grow.
        checkpoints = {"idle": forge_idle.get("VmRSS", 0) * MB}
        info["forge_rss_checkpoints_mb"] = checkpoints

        def checkpoint(name):
            checkpoints[name] = procmem.rss_kib(forge.pid) * MB
        rows.append(Row(
            "startup_ms", "start-up to first healthy answer", "ms",
            forge=forge.startup_ms, peer=daemon.startup_ms, peer_name="git daemon", compare=False,
            note="forge: spawn to the first 200 from /-/health, on a fresh data folder (creates and "
                 "migrates SQLite); git daemon: spawn to accepting TCP connections.",
        ))
        rows.append(Row(
            "idle_rss_mb", "idle RSS 1 s after start (VmRSS)", "MB",
            forge=forge_idle.get("VmRSS", 0) * MB, peer=daemon_idle.get("VmRSS", 0) * MB,
            peer_name="git daemon", goal=("forge", "<", 25), compare=False,
            samples={"forge_status_kib": forge_idle, "peer_status_kib": daemon_idle},
            note=f"forge VmHWM (peak since start) at that moment: {forge_idle.get('VmHWM', 0) * MB:.1f} MB. "
                 "MB = 10^6 bytes.",
        ))

        # --- Set up the repository on both servers -------------------------
        log("creating the admin, a token and the repository on the forge")
        log("... and pushing the repository to it and to the daemon's bare copy")
        _token, forge_push = forge.host_repository(source, USER, EMAIL, PASSWORD, REPO)
        checkpoint("after 2 API calls with a password and the push")
        local_push = timed(["git", "push", "--quiet", f"file://{daemon_repo}", "refs/heads/main:refs/heads/main"],
                           cwd=source, env=env)
        forge_repo = _find_repo_dir(os.path.join(forge.data_dir, "repositories")) or _find_repo_dir(forge.data_dir)
        forge_packs, forge_pack_bytes = _pack_files(forge_repo)
        daemon_packs, daemon_pack_bytes = _pack_files(daemon_repo)
        info["storage"] = {
            "forge": {"path": forge_repo, "packs": len(forge_packs), "pack_bytes": forge_pack_bytes},
            "git_daemon": {"path": daemon_repo, "packs": len(daemon_packs), "pack_bytes": daemon_pack_bytes},
        }
        rows.append(Row(
            "push_s", "initial push (whole history)", "s", forge=forge_push, peer=local_push,
            peer_name="push over file://", compare=False,
            note=f"both servers then hold the repository the same way: forge {len(forge_packs)} pack(s), "
                 f"{forge_pack_bytes / 1e6:.1f} MB; daemon copy {len(daemon_packs)} pack(s), "
                 f"{daemon_pack_bytes / 1e6:.1f} MB. The peer figure (local push) is only a reference.",
        ))
        peers.start()
        forge_url = f"{forge.url}/{USER}/{REPO}.git"
        servers = {"forge": forge_url, "daemon": daemon.url(f"{REPO}.git"),
                   "backend": peers.nginx.git_url(f"{REPO}.git")}
        for url in servers.values():
            tip = output(["git", "-c", "protocol.version=2", "ls-remote", url, "refs/heads/main"], env=env).split()[0]
            if tip != meta["tip"]:
                raise RuntimeError(f"{url} serves main at {tip}, not {meta['tip']}")

        # --- Sequential clones and fetches ----------------------------------
        clones = os.path.join(work, "clones")
        os.makedirs(clones)

        def clone_times(bare):
            """Clone times per server, and the CPU per clone of the forge and
            of git daemon (fcgiwrap's children reap their own, so the
            http-backend's CPU cannot be read the same way)."""
            times = {who: [] for who in servers}
            order = list(servers.items())
            # One untimed warm-up each, then rotate which goes first.
            for _, url in order:
                dest = os.path.join(clones, "warm")
                run(_clone_args(url, dest, bare), env=env)
                remove_tree(dest)
            time.sleep(0.2)  # let the servers reap the warm-up's processes
            cpu_before = {"forge": procmem.cpu_seconds(forge.pid), "daemon": procmem.cpu_seconds(daemon.pid)}
            for i in range(runs):
                for who, url in order[i % 3:] + order[:i % 3]:
                    dest = os.path.join(clones, f"{who}-{i}")
                    times[who].append(timed(_clone_args(url, dest, bare), env=env))
                    remove_tree(dest)
            time.sleep(0.2)
            cpu_after = {"forge": procmem.cpu_seconds(forge.pid), "daemon": procmem.cpu_seconds(daemon.pid)}
            # Server CPU per clone, in ms: (process alone, process + reaped children).
            cpu = {
                who: [(cpu_after[who][k] - cpu_before[who][k]) * 1000 / runs for k in (0, 1)]
                for who in cpu_before
            }
            for who in cpu:
                cpu[who][1] += cpu[who][0]
            log(f"{'bare' if bare else 'full'} clones: " + ", ".join(
                f"{who} {median(t):.3f} s" for who, t in times.items()))
            return times, cpu

        def clone_rows(id, metric, bare, note):
            times, cpu = clone_times(bare)
            info[f"{id}_server_cpu_ms_per_clone"] = {
                who: {"process": round(c[0], 1), "with_children": round(c[1], 1)} for who, c in cpu.items()
            }
            samples = {k: [round(v, 4) for v in vs] for k, vs in times.items()}
            forge_s = median(times["forge"])
            return [
                Row(id, f"{metric}, median of {runs}", "s", forge=forge_s, peer=median(times["daemon"]),
                    peer_name="git daemon", goal=("ratio", "<=", 1.05), note=note, samples=samples),
                Row(f"{id}_vs_http_backend", f"{metric}, vs git http-backend", "s", forge=forge_s,
                    peer=median(times["backend"]), peer_name="http-backend", goal=("ratio", "<=", 1.05),
                    note=None if bare else "git http-backend behind nginx and fcgiwrap, smart HTTP like "
                                           "the forge: the closest peer, same protocol, same requests."),
            ], cpu

        log(f"timing clones ({runs} through each server, after one warm-up)")
        try:
            rows += clone_rows(
                "clone_full_s", "full clone", False,
                "`git -c protocol.version=2 clone --quiet --no-local URL DIR`, with checkout of the "
                f"{meta['files']} files (the same client work on every side).")[0]
        except Exception as e:  # noqa: BLE001
            row = Row("clone_full_s", "full clone", "s", goal=("ratio", "<=", 1.05))
            row.error = str(e)
            rows.append(row)

        try:
            bare_rows, cpu = clone_rows(
                "clone_bare_s", "bare clone (transfer only)", True,
                "Same with --bare: no checkout, so the server's share of the time is larger.")
            rows += bare_rows + [Row(
                "clone_cpu_self_ms", "server CPU per clone, server process alone", "ms",
                forge=cpu["forge"][0], peer=cpu["daemon"][0], peer_name="git daemon", compare=False,
                note="CPU time (user + system, from /proc/PID/stat) of the server process itself over the "
                     f"{runs} timed bare clones, divided by {runs}: for the forge, the HTTP work and copying "
                     "git's output to the socket; git daemon only forks. 10 ms clock ticks. Less sensitive "
                     "to a busy machine than the wall times.",
            ), Row(
                "clone_cpu_tree_ms", "server CPU per clone, with git children", "ms",
                forge=cpu["forge"][1], peer=cpu["daemon"][1], peer_name="git daemon + children",
                note="The same plus the CPU of the processes it ran and reaped (git upload-pack, "
                     "pack-objects; for git daemon, its per-connection process).",
            )]
        except Exception as e:  # noqa: BLE001
            row = Row("clone_bare_s", "bare clone", "s", goal=("ratio", "<=", 1.05))
            row.error = str(e)
            rows.append(row)

        def noop_fetch():
            times = {who: [] for who in servers}
            for who, url in servers.items():
                dest = os.path.join(clones, f"fetch-{who}")
                run(_clone_args(url, dest, True), env=env)
                fetch = ["git", "-C", dest, "-c", "protocol.version=2", "fetch", "--quiet", url,
                         "+refs/heads/*:refs/heads/*"]
                run(fetch, env=env)  # warm-up
                for _ in range(runs):
                    times[who].append(timed(fetch, env=env))
                remove_tree(dest)
            ms = {who: median(t) * 1000 for who, t in times.items()}
            log("no-op fetch: " + ", ".join(f"{who} {v:.1f} ms" for who, v in ms.items()))
            samples = {k: [round(v * 1000, 2) for v in vs] for k, vs in times.items()}
            return [
                Row("noop_fetch_ms", f"no-op fetch, median of {runs}", "ms", forge=ms["forge"],
                    peer=ms["daemon"], peer_name="git daemon", samples=samples,
                    note="A fetch with nothing new: ref advertisement only. Over smart HTTP v2 that is two "
                         "requests (GET info/refs, POST ls-refs), each running its own git process; "
                         "git daemon uses one connection and one process."),
                Row("noop_fetch_ms_vs_http_backend", "no-op fetch, vs git http-backend", "ms",
                    forge=ms["forge"], peer=ms["backend"], peer_name="http-backend"),
            ]

        try:
            rows += noop_fetch()
        except Exception as e:  # noqa: BLE001
            row = Row("noop_fetch_ms", "no-op fetch", "ms")
            row.error = str(e)
            rows.append(row)

        checkpoint("after the sequential clones and fetches")

        # --- Concurrent clones: memory --------------------------------------
        def concurrent(server, url):
            reset = procmem.reset_peak(server.pid)
            before = procmem.status(server.pid)
            procs = []
            with procmem.Sampler(server.pid, interval) as sampler:
                started = time.perf_counter()
                for i in range(concurrency):
                    dest = os.path.join(clones, f"concurrent-{server.name.replace(' ', '-')}-{i}")
                    procs.append((dest, subprocess.Popen(_clone_args(url, dest, True), env=env,
                                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
                failed = []
                for dest, proc in procs:
                    _, err = proc.communicate()
                    if proc.returncode != 0:
                        failed.append(err.decode(errors="replace").strip())
                wall = time.perf_counter() - started
            after = procmem.status(server.pid)
            for dest, _ in procs:
                remove_tree(dest)
            if failed:
                raise RuntimeError(f"{len(failed)} of {concurrency} concurrent clones failed: {failed[0]}")
            return {
                "wall_s": wall,
                "peak_self_mb": sampler.peak_self_kib * MB,
                "peak_tree_mb": sampler.peak_tree_kib * MB,
                "peak_children": sampler.peak_children,
                "samples": sampler.samples,
                "hwm_mb": after.get("VmHWM", 0) * MB if reset else None,
                "rss_before_mb": before.get("VmRSS", 0) * MB,
                "rss_after_mb": after.get("VmRSS", 0) * MB,
            }

        log(f"{concurrency} concurrent bare clones through each server, sampling memory every {interval * 1000:.0f} ms")
        try:
            f = concurrent(forge, forge_url)
            checkpoint("after the concurrent clones")
            d = concurrent(daemon, servers["daemon"])
            info["concurrent"] = {"forge": f, "git_daemon": d}
            log(f"forge peak {f['peak_self_mb']:.1f} MB alone, {f['peak_tree_mb']:.1f} MB with git; "
                f"daemon {d['peak_self_mb']:.1f} / {d['peak_tree_mb']:.1f} MB")
            hwm = "" if f["hwm_mb"] is None else (
                f" The kernel's own peak for the forge over the same window (VmHWM, reset just before): "
                f"{f['hwm_mb']:.1f} MB.")
            rows.append(Row(
                "concurrent_wall_s", f"{concurrency} concurrent bare clones, wall time", "s",
                forge=f["wall_s"], peer=d["wall_s"], peer_name="git daemon",
            ))
            rows.append(Row(
                "concurrent_peak_rss_mb", f"peak RSS during {concurrency} concurrent clones, server process alone",
                "MB", forge=f["peak_self_mb"], peer=d["peak_self_mb"], peer_name="git daemon", compare=False,
                goal=("forge", "<", 100), samples={"forge": f, "peer": d},
                note=f"VmRSS of the forge process only, sampled every {interval * 1000:.0f} ms "
                     f"({f['samples']} samples). The git processes serving the clones (upload-pack, "
                     f"pack-objects) are separate processes, not counted here; see the next row.{hwm} "
                     f"The forge held {f['rss_before_mb']:.1f} MB just before the clones; its RSS after "
                     "each step: " + ", ".join(f"{k} {v:.1f}" for k, v in checkpoints.items()) + " MB.",
            ))
            rows.append(Row(
                "concurrent_peak_tree_mb", f"peak RSS during {concurrency} concurrent clones, with git children",
                "MB", forge=f["peak_tree_mb"], peer=d["peak_tree_mb"], peer_name="git daemon + children",
                note=f"Sum of VmRSS of the server and all its descendants at each sample (at most "
                     f"{f['peak_children']} processes under the forge, {d['peak_children']} under git daemon). "
                     "Shared pages are counted once per process, so this overstates real use.",
            ))
        except Exception as e:  # noqa: BLE001 - a failed figure is reported, not fatal
            row = Row("concurrent_peak_rss_mb", f"peak RSS during {concurrency} concurrent clones", "MB",
                      goal=("forge", "<", 100))
            row.error = str(e)
            rows.append(row)
        info["forge_status_at_end_kib"] = procmem.status(forge.pid)
    finally:
        forge.stop()
        daemon.stop()
        peers.stop()
    return rows

