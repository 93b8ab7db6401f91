"""The CGI peers: `git http-backend` and cgit, each behind nginx through
fcgiwrap, the way Debian's documentation and most small hosts run them.

One fcgiwrap (preforked children, one request each at a time, every request
a fork and exec of the CGI program) and one nginx (one server block per
peer, each on a free loopback port) serve both peers. Everything lives in
the suite's scratch folder: configuration, sockets, logs, temporary files.
"""

import os
import socket

import packages
from common import free_port, log, output, port_open
from servers import Server

# Parameters every CGI program gets. nginx passes no environment of its own
# and fcgiwrap clears it, so the CGI sees only these and the peer's own.
_CGI_PARAMS = """
            fastcgi_param QUERY_STRING $query_string;
            fastcgi_param REQUEST_METHOD $request_method;
            fastcgi_param CONTENT_TYPE $content_type;
            fastcgi_param CONTENT_LENGTH $content_length;
            fastcgi_param REQUEST_URI $request_uri;
            fastcgi_param SERVER_PROTOCOL $server_protocol;
            fastcgi_param GATEWAY_INTERFACE CGI/1.1;
            fastcgi_param SERVER_SOFTWARE nginx;
            fastcgi_param REMOTE_ADDR $remote_addr;
            fastcgi_param SERVER_ADDR $server_addr;
            fastcgi_param SERVER_PORT $server_port;
            fastcgi_param SERVER_NAME 127.0.0.1;
            fastcgi_param HTTP_HOST $host;
            fastcgi_param PATH_INFO $uri;
            fastcgi_param SCRIPT_NAME "";
            fastcgi_param HOME {home};
            fastcgi_param GIT_CONFIG_NOSYSTEM 1;
            fastcgi_param PATH /usr/local/bin:/usr/bin:/bin;"""


class Fcgiwrap(Server):
    """fcgiwrap on a Unix socket, with `children` preforked workers."""

    name = "fcgiwrap"

    def __init__(self, socket_path, children, log_path):
        super().__init__()
        self.socket_path = socket_path
        self.children = children
        self.log_path = log_path

    def start(self, timeout=20):
        # fcgiwrap's preforked workers outlive their parent: stop() signals
        # the whole group.
        self.spawn([packages.program("fcgiwrap"), "-c", str(self.children), "-s", f"unix:{self.socket_path}"],
                   self.log_path, own_group=True)

        def accepting():
            with socket.socket(socket.AF_UNIX) as s:
                try:
                    s.connect(self.socket_path)
                    return True
                except OSError:
                    return False
        if not self.wait_ready(accepting, timeout):
            raise RuntimeError(f"fcgiwrap did not start; see {self.log_path}")


class Nginx(Server):
    """nginx serving `git http-backend` (for every repository under
    git_root) on one port and cgit (for the repository at cgit_repo) on
    another."""

    name = "nginx"

    def __init__(self, workdir, git_root, cgit_repo, fcgi_socket, env):
        super().__init__()
        self.workdir = workdir
        self.git_root = git_root
        self.cgit_repo = cgit_repo
        self.fcgi_socket = fcgi_socket
        self.env = env
        self.git_port = None
        self.cgit_port = None
        self.log_path = os.path.join(workdir, "nginx-error.log")

    def _write_config(self):
        home = os.path.join(self.workdir, "home")
        temp = os.path.join(self.workdir, "temp")
        os.makedirs(home, exist_ok=True)
        os.makedirs(temp, exist_ok=True)
        # The http-backend of the git that also runs the forge's and the
        # daemon's upload-pack, so that all three servers run the same git.
        backend = os.path.join(output(["git", "--exec-path"], env=self.env), "git-http-backend")
        cgitrc = os.path.join(self.workdir, "cgitrc")
        with open(cgitrc, "w") as f:
            # cache-size=0: no page cache, every request renders (the
            # forge has no page cache either). 50 commits per history page,
            # as on the forge. No source filter: cgit shows files without
            # syntax highlighting, the forge highlights them.
            f.write(
                "cache-size=0\n"
                "virtual-root=/\n"
                "css=/cgit.css\n"
                "logo=\n"
                "max-commit-count=50\n"
                "enable-http-clone=0\n"
                "repo.url=big\n"
                f"repo.path={self.cgit_repo}\n"
            )
        params = _CGI_PARAMS.replace("{home}", home)
        user = "user root root;\n" if os.geteuid() == 0 else ""
        config = f"""
{user}daemon off;
worker_processes auto;
pid {self.workdir}/nginx.pid;
error_log {self.log_path} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    fastcgi_temp_path {temp}/fastcgi;
    proxy_temp_path {temp}/proxy;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    types {{ text/css css; }}
    server {{
        listen 127.0.0.1:{self.git_port};
        client_max_body_size 0;
        location / {{
            fastcgi_pass unix:{self.fcgi_socket};
            # Stream the pack to the client as git writes it, as the forge does.
            fastcgi_buffering off;
            fastcgi_request_buffering off;{params}
            fastcgi_param SCRIPT_FILENAME {backend};
            fastcgi_param GIT_PROJECT_ROOT {self.git_root};
            fastcgi_param GIT_HTTP_EXPORT_ALL 1;
            fastcgi_param GIT_PROTOCOL $http_git_protocol;
        }}
    }}
    server {{
        listen 127.0.0.1:{self.cgit_port};
        location = /cgit.css {{ root /usr/share/cgit; }}
        location / {{
            fastcgi_pass unix:{self.fcgi_socket};{params}
            fastcgi_param SCRIPT_FILENAME {packages.program("cgit")};
            fastcgi_param CGIT_CONFIG {cgitrc};
        }}
    }}
}}
"""
        path = os.path.join(self.workdir, "nginx.conf")
        with open(path, "w") as f:
            f.write(config)
        return path

    def start(self, timeout=20):
        for _attempt in range(3):
            self.git_port, self.cgit_port = free_port(), free_port()
            if self.git_port == self.cgit_port:
                continue
            config = self._write_config()
            self.spawn([packages.program("nginx"), "-c", config, "-p", self.workdir, "-e", self.log_path],
                       self.log_path)
            if self.wait_ready(lambda: port_open(self.git_port) and port_open(self.cgit_port), timeout):
                log(f"nginx ready: git http-backend on port {self.git_port}, cgit on port "
                    f"{self.cgit_port} (pid {self.pid})")
                return
            self.stop()  # a port was taken in the meantime: try others
        raise RuntimeError(f"nginx did not start; see {self.log_path}")

    def git_url(self, repo):
        return f"http://127.0.0.1:{self.git_port}/{repo}"

    @property
    def cgit_url(self):
        return f"http://127.0.0.1:{self.cgit_port}"


class CgiPeers:
    """fcgiwrap and nginx together, started and stopped as one."""

    def __init__(self, workdir, git_root, cgit_repo, env, children=16):
        os.makedirs(workdir, exist_ok=True)
        sock = os.path.join(workdir, "fcgiwrap.sock")
        self.fcgiwrap = Fcgiwrap(sock, children, os.path.join(workdir, "fcgiwrap.log"))
        self.nginx = Nginx(workdir, git_root, cgit_repo, sock, env)

    def start(self):
        packages.ensure("nginx", "fcgiwrap", "cgit")
        self.fcgiwrap.start()
        self.nginx.start()
        return self

    def stop(self):
        self.nginx.stop()
        self.fcgiwrap.stop()
        try:
            os.unlink(self.fcgiwrap.socket_path)
        except OSError:
            pass
