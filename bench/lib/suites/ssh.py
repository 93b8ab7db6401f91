"""Git over SSH: clones through the forge's own SSH server and through
OpenSSH's sshd running `git-upload-pack` on the same repository, and the
forge's idle memory with its SSH server on.

Peer: Debian's `openssh-server`, started unprivileged on a free port with its
own configuration, host key and authorized keys in the scratch folder; it runs
the client's `git-upload-pack '/path/big.git'` through the login shell of the
user running the benchmark, as a plain git host over SSH does.
"""

import getpass
import os
import time

import packages
import procmem
import repogen
from common import log, output, remove_tree, run, timed, median
from report import Row
from servers import Forge, Sshd

NAME = "ssh"
DESCRIPTION = "clone over SSH through the forge vs OpenSSH's sshd; forge idle memory with SSH on"

USER, EMAIL, PASSWORD = "bench", "bench@example.org", "bench password"
REPO = "big"
MB = 1024 / 1e6  # KiB -> MB (10^6 bytes)


def _clone_args(url, dest, bare):
    args = ["git", "-c", "protocol.version=2", "clone", "--quiet", "--no-local"]
    if bare:
        args.append("--bare")
    return args + [url, dest]


def _host_line(port, public_key):
    """A known_hosts line for 127.0.0.1:port (`type base64`, comment dropped)."""
    kind, blob = public_key.split()[:2]
    return f"[127.0.0.1]:{port} {kind} {blob}\n"


def run_suite(ctx, info):
    packages.ensure("sshd", "ssh", "ssh-keygen")
    params = repogen.parameters_from_env()
    env, work, runs = ctx.env, ctx.workdir, ctx.runs
    source, meta = repogen.ensure(params, env)
    info["repository"] = meta

    # The client's key, accepted by both servers, and the hosts it trusts.
    client_key = os.path.join(work, "client_key")
    output(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", client_key], env=env)
    with open(client_key + ".pub") as f:
        client_public = f.read().strip()
    known_hosts = os.path.join(work, "known_hosts")
    ssh_env = dict(env, GIT_SSH_COMMAND=(
        f"ssh -F /dev/null -i {client_key} -o IdentitiesOnly=yes -o BatchMode=yes "
        f"-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes -o LogLevel=ERROR"))

    rows = []
    forge = Forge(ctx.forge_binary, os.path.join(work, "forge-data"), env, os.path.join(work, "forge.log"),
                  ssh=True)
    sshd = Sshd(packages.program("sshd"), os.path.join(work, "sshd"), client_public, env,
                os.path.join(work, "sshd.log"))
    try:
        # --- Idle memory with the SSH server on ---------------------------
        forge.start()  # fresh data folder: creates the host keys too
        time.sleep(1.0)
        idle = procmem.status(forge.pid)
        info["forge_idle_status_kib"] = idle
        rows.append(Row(
            "ssh_startup_ms", "start-up with the SSH server on, to first healthy answer", "ms",
            forge=forge.startup_ms, compare=False,
            note="Spawn to the first 200 from /-/health on a fresh data folder: creating and migrating "
                 "SQLite, and making the Ed25519 and RSA (3072 bits) host keys.",
        ))
        rows.append(Row(
            "ssh_idle_rss_mb", "idle RSS 1 s after start, SSH server on (VmRSS)", "MB",
            forge=idle.get("VmRSS", 0) * MB, goal=("forge", "<", 25), compare=False,
            samples={"forge_status_kib": idle},
            note=f"`forge serve --ssh-listen 127.0.0.1:0`. VmHWM (peak since start) at that moment: "
                 f"{idle.get('VmHWM', 0) * MB:.1f} MB. MB = 10^6 bytes.",
        ))

        # --- The repository on both servers --------------------------------
        log("creating the admin, a token and the repository on the forge, pushing it over HTTP")
        forge.host_repository(source, USER, EMAIL, PASSWORD, REPO)
        forge.api("POST", "/user/keys", {"title": "bench", "key": client_public}, USER, PASSWORD)
        peer_repo = os.path.join(work, "peer", f"{REPO}.git")
        run(["git", "init", "--quiet", "--bare", "--initial-branch=main", peer_repo], env=env)
        run(["git", "push", "--quiet", f"file://{peer_repo}", "refs/heads/main:refs/heads/main"],
            cwd=source, env=env)
        sshd.start()

        forge_host, forge_port = forge.ssh_address.rsplit(":", 1)
        with open(known_hosts, "w") as f:
            for name in ("ssh_host_ed25519_key.pub", "ssh_host_rsa_key.pub"):
                with open(os.path.join(forge.data_dir, "ssh", name)) as key:
                    f.write(_host_line(forge_port, key.read()))
            f.write(_host_line(sshd.port, sshd.public_host_key()))
        servers = {
            "forge": f"ssh://git@{forge_host}:{forge_port}/{USER}/{REPO}.git",
            "sshd": f"ssh://{getpass.getuser()}@127.0.0.1:{sshd.port}{peer_repo}",
            "forge_http": f"{forge.url}/{USER}/{REPO}.git",
        }
        for url in servers.values():
            tip = output(["git", "-c", "protocol.version=2", "ls-remote", url, "refs/heads/main"],
                         env=ssh_env).split()[0]
            if tip != meta["tip"]:
                raise RuntimeError(f"{url} serves main at {tip}, not {meta['tip']}")
        info["urls"] = servers

        # --- Sequential clones ----------------------------------------------
        clones = os.path.join(work, "clones")
        os.makedirs(clones)

        def clone_times(bare):
            times = {who: [] for who in servers}
            order = list(servers.items())
            for _, url in order:
                dest = os.path.join(clones, "warm")
                run(_clone_args(url, dest, bare), env=ssh_env)
                remove_tree(dest)
            time.sleep(0.2)
            cpu_before = {"forge": procmem.cpu_seconds(forge.pid), "sshd": procmem.cpu_seconds(sshd.pid)}
            ssh_times = {"forge": [], "sshd": []}
            for i in range(runs):
                k = i % len(order)
                for who, url in order[k:] + order[:k]:
                    dest = os.path.join(clones, f"{who}-{i}")
                    elapsed = timed(_clone_args(url, dest, bare), env=ssh_env)
                    times[who].append(elapsed)
                    if who in ssh_times:
                        ssh_times[who].append(elapsed)
                    remove_tree(dest)
            time.sleep(0.2)
            cpu_after = {"forge": procmem.cpu_seconds(forge.pid), "sshd": procmem.cpu_seconds(sshd.pid)}
            # Per clone, in ms: (process alone, process + reaped children).
            # The forge's figure includes its HTTP clones, run in the same
            # window: its own CPU is read per clone over all its clones.
            clones_by_forge = 2 * runs
            cpu = {
                "forge": [(cpu_after["forge"][k] - cpu_before["forge"][k]) * 1000 / clones_by_forge
                          for k in (0, 1)],
                "sshd": [(cpu_after["sshd"][k] - cpu_before["sshd"][k]) * 1000 / runs for k in (0, 1)],
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
                Row(id, f"{metric}, median of {runs}", "s", forge=forge_s, peer=median(times["sshd"]),
                    peer_name="OpenSSH sshd", goal=("ratio", "<=", 1.05), note=note, samples=samples),
                Row(f"{id}_vs_http", f"{metric}: forge over SSH vs forge over HTTP", "s", forge=forge_s,
                    peer=median(times["forge_http"]), peer_name="forge, HTTP", compare=True,
                    note="The same forge and repository over smart HTTP: what the SSH transport costs "
                         "beside the forge's own HTTP (a reference, no goal)."),
            ], cpu

        log(f"timing clones over SSH ({runs} through each server, after one warm-up)")
        try:
            rows += clone_rows(
                "ssh_clone_full_s", "full clone over SSH", False,
                "`git -c protocol.version=2 clone --quiet --no-local ssh://…`, with checkout of the "
                f"{meta['files']} files (the same client work on both sides). sshd runs "
                "git-upload-pack through the user's shell.")[0]
        except Exception as e:  # noqa: BLE001
            row = Row("ssh_clone_full_s", "full clone over SSH", "s", goal=("ratio", "<=", 1.05))
            row.error = str(e)
            rows.append(row)
        try:
            bare_rows, cpu = clone_rows(
                "ssh_clone_bare_s", "bare clone over SSH (transfer only)", True,
                "Same with --bare: no checkout, so the server's share of the time is larger.")
            rows += bare_rows + [Row(
                "ssh_clone_cpu_self_ms", "server CPU per SSH clone, server process alone", "ms",
                forge=cpu["forge"][0], peer=cpu["sshd"][0], peer_name="sshd listener", compare=False,
                note="CPU (user + system, /proc/PID/stat) of the server process itself per bare clone. "
                     "The forge's figure is its CPU over the SSH and the HTTP clones of the same window, "
                     "divided by their number: SSH's encryption and HTTP's framing averaged. sshd's "
                     "listener only forks; its per-connection processes are in the next row.",
            ), Row(
                "ssh_clone_cpu_tree_ms", "server CPU per SSH clone, with children", "ms",
                forge=cpu["forge"][1], peer=cpu["sshd"][1], peer_name="sshd + children",
                note="The same plus the processes it reaped: git upload-pack and pack-objects, and for "
                     "sshd its per-connection session process (encryption) and the user's shell.",
            )]
        except Exception as e:  # noqa: BLE001
            row = Row("ssh_clone_bare_s", "bare clone over SSH", "s", goal=("ratio", "<=", 1.05))
            row.error = str(e)
            rows.append(row)
        info["forge_status_at_end_kib"] = procmem.status(forge.pid)
    finally:
        forge.stop()
        sshd.stop()
    return rows
