"""The servers under test, started and stopped by the benchmark: the forge
and its peers. Each records its start-up time and its process id."""

import base64
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

from common import free_port, log, output, port_open, timed

LISTENING = re.compile(r"Forge is listening on http://(\S+)")
SSH_LISTENING = re.compile(r"Git over SSH is listening on (\S+)")


class Server:
    name = "server"

    def __init__(self):
        self.process = None
        self.startup_ms = None
        self._log = None

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def spawn(self, args, log_path, env=None, own_group=False):
        """Starts the process, its output appended to log_path. With
        own_group, it leads a process group of its own and stop() signals
        the whole group: for servers whose workers outlive their parent."""
        self._log = open(log_path, "ab")
        self._started = time.perf_counter()
        self._own_group = own_group
        self.process = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=self._log, start_new_session=own_group)

    def wait_ready(self, ready, timeout):
        """Polls ready() while the process lives, for at most `timeout`
        seconds from the spawn; records the start-up time and returns True
        once it holds, False if it never did."""
        while time.perf_counter() < self._started + timeout and self.alive():
            if ready():
                self.startup_ms = (time.perf_counter() - self._started) * 1000
                return True
            time.sleep(0.002)
        return False

    def stop(self, timeout=10):
        if self.process is None:
            return
        if getattr(self, "_own_group", False):
            # The group's id is the leader's pid; its workers may remain
            # after the leader has gone.
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    continue
                time.sleep(0.1)
        elif self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log:
            self._log.close()
            self._log = None


class Forge(Server):
    """`forge serve` on its own data folder (SQLite), on a free port; with
    ssh, its SSH server too, on another free port."""

    name = "forge"

    def __init__(self, binary, data_dir, env, log_path, ssh=False):
        super().__init__()
        self.binary = binary
        self.data_dir = data_dir
        self.env = {k: v for k, v in env.items() if not k.startswith("FORGE_")}
        self.log_path = log_path
        self.address = None
        self.ssh = ssh
        self.ssh_address = None

    def start(self, timeout=60):
        self._log = open(self.log_path, "ab")
        found = threading.Event()
        started = time.perf_counter()
        args = [self.binary, "serve", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0"]
        if self.ssh:
            args += ["--ssh-listen", "127.0.0.1:0"]
        self.process = subprocess.Popen(
            args,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )

        def read_stdout():
            # Reads (and keeps draining) standard output, so the forge never
            # blocks on a full pipe.
            for raw in self.process.stdout:
                line = raw.decode(errors="replace")
                ssh = SSH_LISTENING.search(line)
                if ssh:
                    self.ssh_address = ssh.group(1)
                match = LISTENING.search(line)
                if match and not found.is_set():
                    self.address = match.group(1)
                    if not self.ssh:
                        found.set()
                if self.ssh and self.address and self.ssh_address:
                    found.set()

        threading.Thread(target=read_stdout, daemon=True).start()
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if not self.alive():
                raise RuntimeError(f"the forge exited with {self.process.returncode}; see {self.log_path}")
            if found.is_set() and self.health() == 200:
                self.startup_ms = (time.perf_counter() - started) * 1000
                log(f"forge ready at http://{self.address} (pid {self.pid}) in {self.startup_ms:.0f} ms")
                return
            time.sleep(0.002)
        raise RuntimeError(f"the forge did not answer /-/health within {timeout} s; see {self.log_path}")

    @property
    def url(self):
        return f"http://{self.address}"

    def health(self):
        try:
            with urllib.request.urlopen(f"{self.url}/-/health", timeout=1) as answer:
                return answer.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None

    def admin(self, *args):
        return output([self.binary, "admin", *args, "--data-dir", self.data_dir], env=self.env)

    def host_repository(self, source, user, email, password, repo):
        """Creates an admin `user`, a token and the public repository
        `user/repo`, and pushes branch main of `source` to it over HTTP.
        Returns (token, seconds the push took)."""
        self.admin("create-user", "--username", user, "--email", email, "--password", password, "--admin")
        token = self.api("POST", f"/users/{user}/tokens", {"name": "bench"}, user, password)["sha1"]
        self.api("POST", "/user/repos", {"name": repo}, user, password)
        push_url = f"http://{user}:{token}@{self.address}/{user}/{repo}.git"
        return token, timed(["git", "push", "--quiet", push_url, "refs/heads/main:refs/heads/main"],
                            cwd=source, env=self.env)

    def api(self, method, path, body=None, user=None, password=None):
        request = urllib.request.Request(f"{self.url}/api/v1{path}", method=method)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        if user is not None:
            credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
            request.add_header("Authorization", f"Basic {credentials}")
        try:
            with urllib.request.urlopen(request, data=data, timeout=30) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path} answered {e.code}: {e.read().decode(errors='replace')}")


class GitDaemon(Server):
    """`git daemon` serving every repository under base_path, on a free port.
    `git-daemon` is run directly (not through the `git` wrapper, which would
    stay as its parent), so the pid is the daemon's own."""

    name = "git daemon"

    def __init__(self, base_path, env, log_path):
        super().__init__()
        self.base_path = base_path
        self.env = env
        self.log_path = log_path
        self.port = None

    def start(self, timeout=20):
        exec_path = output(["git", "--exec-path"], env=self.env)
        binary = os.path.join(exec_path, "git-daemon")
        for _attempt in range(3):
            self.port = free_port()
            self.spawn([binary, "--reuseaddr", f"--base-path={self.base_path}", "--export-all",
                        "--listen=127.0.0.1", f"--port={self.port}", self.base_path],
                       self.log_path, env=self.env)
            if self.wait_ready(lambda: port_open(self.port), timeout):
                log(f"git daemon ready on port {self.port} (pid {self.pid}) in {self.startup_ms:.0f} ms")
                return
            self.stop()  # the port was taken in the meantime: try another
        raise RuntimeError(f"git daemon did not start; see {self.log_path}")

    def url(self, repo):
        return f"git://127.0.0.1:{self.port}/{repo}"



class Sshd(Server):
    """OpenSSH's sshd, unprivileged, on a free port, with its own config
    file, host key and authorized keys in `folder`: it accepts one key for
    the user running the benchmark and runs what the client asks through
    that user's shell, as a plain git host over SSH does. `AcceptEnv
    GIT_PROTOCOL` lets protocol v2 through; `SetEnv` gives git the same
    empty configuration as the forge's."""

    name = "sshd"

    def __init__(self, binary, folder, authorized_key, env, log_path):
        super().__init__()
        self.binary = binary
        self.folder = folder
        self.authorized_key = authorized_key
        self.env = env
        self.log_path = log_path
        self.port = None
        self.host_key = os.path.join(folder, "ssh_host_ed25519_key")

    def _config(self, port):
        os.makedirs(self.folder, exist_ok=True)
        if not os.path.exists(self.host_key):
            output(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.host_key], env=self.env)
        authorized = os.path.join(self.folder, "authorized_keys")
        with open(authorized, "w") as f:
            f.write(self.authorized_key.strip() + "\n")
        os.chmod(authorized, 0o600)
        home = self.env["HOME"]
        path = os.path.join(self.folder, "sshd_config")
        with open(path, "w") as f:
            f.write(
                f"ListenAddress 127.0.0.1:{port}\n"
                f"HostKey {self.host_key}\n"
                f"PidFile {os.path.join(self.folder, 'sshd.pid')}\n"
                f"AuthorizedKeysFile {authorized}\n"
                "PubkeyAuthentication yes\n"
                "PasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\n"
                # sshd run by root still logs in root only with this.
                "PermitRootLogin yes\n"
                "UsePAM no\n"
                "StrictModes no\n"
                "UseDNS no\n"
                "PrintMotd no\n"
                "PrintLastLog no\n"
                "AcceptEnv GIT_PROTOCOL\n"
                f"SetEnv GIT_CONFIG_NOSYSTEM=1 HOME={home} XDG_CONFIG_HOME={home}/.config LC_ALL=C\n"
                "Subsystem sftp internal-sftp\n"
            )
        return path

    def start(self, timeout=20):
        if os.geteuid() == 0:
            # sshd as root checks its privilege separation folder.
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        for _attempt in range(3):
            self.port = free_port()
            config = self._config(self.port)
            # An absolute path: sshd re-executes itself for each connection.
            self.spawn([self.binary, "-f", config, "-D", "-e"], self.log_path, env=self.env)
            if self.wait_ready(lambda: port_open(self.port), timeout):
                log(f"sshd ready on port {self.port} (pid {self.pid}) in {self.startup_ms:.0f} ms")
                return
            self.stop()
        raise RuntimeError(f"sshd did not start; see {self.log_path}")

    def public_host_key(self):
        with open(self.host_key + ".pub") as f:
            return f.read().strip()
