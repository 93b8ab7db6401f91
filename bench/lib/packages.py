"""The peers' programs, from Debian's packages, installed where missing.

The benchmark installs what it compares the forge with, so that one command
runs everything on a fresh Debian machine: apt-get as root, or through sudo
when it can run without a password."""

import os
import shutil
import subprocess

from common import CannotRun, log

# What each peer needs: a program to look for, and the package that has it.
PROGRAMS = {
    "nginx": ("/usr/sbin/nginx", "nginx-light"),
    "fcgiwrap": ("/usr/sbin/fcgiwrap", "fcgiwrap"),
    "cgit": ("/usr/lib/cgit/cgit.cgi", "cgit"),
    "wrk": ("/usr/bin/wrk", "wrk"),
    "sshd": ("/usr/sbin/sshd", "openssh-server"),
    "ssh": ("/usr/bin/ssh", "openssh-client"),
    "ssh-keygen": ("/usr/bin/ssh-keygen", "openssh-client"),
}


def _found(path):
    name = os.path.basename(path)
    return os.access(path, os.X_OK) or (name != "cgit.cgi" and shutil.which(name) is not None)


def program(name):
    """The path of a peer's program (after ensure())."""
    path = PROGRAMS[name][0]
    return path if os.access(path, os.X_OK) else shutil.which(os.path.basename(path))


def ensure(*names):
    """Installs the Debian packages of the named programs that are missing."""
    missing = sorted({PROGRAMS[n][1] for n in names if not _found(PROGRAMS[n][0])})
    if not missing:
        return
    if shutil.which("apt-get") is None:
        raise CannotRun(f"missing {', '.join(missing)} and no apt-get to install them; install them first")
    prefix = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None or subprocess.run(
            ["sudo", "-n", "true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ).returncode != 0:
            raise CannotRun(f"missing Debian packages {', '.join(missing)}: install them "
                            f"(apt-get install {' '.join(missing)}) or run as root")
        prefix = ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log(f"installing Debian packages: {', '.join(missing)}")
    install = prefix + ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        # The package lists may be missing or stale on a fresh machine.
        subprocess.run(prefix + ["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
        if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            raise CannotRun(f"apt-get could not install {', '.join(missing)}")
    still = [n for n in names if not _found(PROGRAMS[n][0])]
    if still:
        raise CannotRun(f"still missing after installing: {', '.join(still)}")
