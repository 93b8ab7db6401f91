#!/usr/bin/env bash
# The project's test command: formatting, lints, then the whole test suite.
#
# Usage: scripts/test-all.sh [arguments for cargo test, such as a test name]
#
# The suite runs every database test against SQLite, and against PostgreSQL
# too when FORGE_TEST_DATABASE_URL names a server it may create databases
# on. Unless that variable is set, this script finds, starts or installs a
# PostgreSQL on 127.0.0.1:5432 (installing needs root on Debian). Without
# one it carries on with SQLite only, except on CI, where it stops.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

header() { printf '\n==> %s\n' "$*"; }
note() { printf '%s\n' "$*" >&2; }
is_root() { [[ $(id -u) -eq 0 ]]; }

apt_updated=false
apt_install() {
    if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
        note "Installing $* needs root and apt-get."
        return 1
    fi
    header "apt-get install -y $*"
    if ! $apt_updated; then
        apt-get update || return 1
        apt_updated=true
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

# --- Rust -------------------------------------------------------------------

# rustup installs into ~/.cargo/bin, which non-login shells often lack.
cargo_bin=${CARGO_HOME:-$HOME/.cargo}/bin
if ! command -v cargo >/dev/null 2>&1 && [[ -x $cargo_bin/cargo ]]; then
    PATH=$cargo_bin:$PATH
fi
if ! command -v cargo >/dev/null 2>&1; then
    note "cargo was not found. Install Rust with rustup (https://rustup.rs) and run this script again."
    exit 1
fi
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    if ! command -v rustup >/dev/null 2>&1; then
        note "cargo fmt and cargo clippy are needed, and without rustup this script cannot add them."
        exit 1
    fi
    header "rustup component add rustfmt clippy"
    rustup component add rustfmt clippy
fi

# --- git, which the server and its tests run ---------------------------------

if ! command -v git >/dev/null 2>&1; then
    apt_install git || { note "git is needed by the test suite and could not be installed."; exit 1; }
fi

# --- OpenSSH's client and ssh-keygen, which the git over SSH tests use ------

if ! command -v ssh >/dev/null 2>&1 || ! command -v ssh-keygen >/dev/null 2>&1; then
    apt_install openssh-client || { note "ssh is needed by the git over SSH tests and could not be installed."; exit 1; }
fi

# --- pdftotext, which reads back the PDF documents the tests produce --------

if ! command -v pdftotext >/dev/null 2>&1; then
    apt_install poppler-utils ||
        note "pdftotext could not be installed; the PDF tests check the files' structure only."
fi

# --- dulwich, an independent git implementation the git tests use -----------

if ! python3 -c 'import dulwich' >/dev/null 2>&1; then
    header "pip install dulwich"
    python3 -m pip install --quiet dulwich || {
        note "dulwich could not be installed; the git tests need it."
        exit 1
    }
fi

# --- py-gitea, Gitea's Python client, which drives the API in a test ---------

if ! python3 -c 'import gitea' >/dev/null 2>&1; then
    header "pip install py-gitea"
    python3 -m pip install --quiet 'py-gitea==0.2.10' || {
        note "py-gitea could not be installed; the API client test needs it."
        exit 1
    }
fi

# --- openapi-spec-validator, which checks the API's OpenAPI document --------

if ! python3 -c 'import openapi_spec_validator' >/dev/null 2>&1; then
    header "pip install openapi-spec-validator"
    python3 -m pip install --quiet openapi-spec-validator || {
        note "openapi-spec-validator could not be installed; the API description test needs it."
        exit 1
    }
fi

# --- feedparser, the feed parser that reads the forge's Atom feeds in the tests

if ! python3 -c 'import feedparser' >/dev/null 2>&1; then
    header "pip install feedparser"
    python3 -m pip install --quiet feedparser || {
        note "feedparser could not be installed; the feed tests need it."
        exit 1
    }
fi

# --- aiosmtpd, the real SMTP server the e-mail tests send to -----------------

if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    header "pip install aiosmtpd"
    python3 -m pip install --quiet aiosmtpd || {
        note "aiosmtpd could not be installed; the e-mail tests need it."
        exit 1
    }
fi

# --- PostgreSQL ---------------------------------------------------------------

readonly pg_host=127.0.0.1 pg_port=5432
pg_problem=""
pg_version="" pg_cluster=""

pg_ready() { pg_isready -q -t 5 -h "$pg_host" -p "$pg_port"; }

# psql as user postgres over TCP; -w makes it fail rather than ask for a
# password.
pg_psql() {
    PGCONNECT_TIMEOUT=5 psql -X -w -q -v ON_ERROR_STOP=1 \
        -h "$pg_host" -p "$pg_port" -U postgres "$@"
}

# Finds the Debian cluster configured for our port; sets pg_version and
# pg_cluster.
find_cluster() {
    pg_version="" pg_cluster=""
    command -v pg_lsclusters >/dev/null 2>&1 || return 1
    read -r pg_version pg_cluster _ < <(
        pg_lsclusters --no-header | awk -v port="$pg_port" '$3 == port'
    ) || true
    [[ -n $pg_version ]]
}

start_postgres() {
    if ! find_cluster; then
        apt_install postgresql || { pg_problem="installing PostgreSQL failed"; return 1; }
        find_cluster || { pg_problem="no PostgreSQL cluster is set up for port $pg_port"; return 1; }
    fi
    header "pg_ctlcluster $pg_version $pg_cluster start"
    pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$pg_cluster" start || {
        pg_problem="PostgreSQL $pg_version/$pg_cluster would not start"
        return 1
    }
    local _
    for _ in {1..30}; do
        pg_ready && return 0
        sleep 1
    done
    pg_problem="PostgreSQL $pg_version/$pg_cluster started but does not answer on $pg_host:$pg_port"
    return 1
}

pg_connects() {
    local _
    for _ in {1..10}; do
        pg_psql -d postgres -c 'select 1' >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    return 1
}

# Lets user postgres in over TCP without a password, by trusting local
# addresses in the cluster's pg_hba.conf.
trust_local_connections() {
    pg_psql -d postgres -c 'select 1' >/dev/null 2>&1 && return 0
    if ! is_root || ! find_cluster; then
        pg_problem="user postgres cannot connect to $pg_host:$pg_port without a password"
        return 1
    fi
    local hba trust tmp
    hba=$(pg_conftool -s "$pg_version" "$pg_cluster" show hba_file 2>/dev/null) ||
        hba=/etc/postgresql/$pg_version/$pg_cluster/pg_hba.conf
    trust=$'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust'
    # The first matching line wins, so ours go at the top.
    if [[ $(head -n 2 "$hba") != "$trust" ]]; then
        header "Trusting local TCP connections in $hba"
        tmp=$(mktemp) || return 1
        # Rewriting in place keeps the file's owner and mode.
        { printf '%s\n' "$trust"; cat "$hba"; } >"$tmp" && cat "$tmp" >"$hba"
        rm -f "$tmp"
        pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$pg_cluster" reload || true
    fi
    pg_connects || {
        pg_problem="user postgres still cannot connect to $pg_host:$pg_port after trusting local connections"
        return 1
    }
}

ensure_postgres() {
    if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
        apt_install postgresql-client || { pg_problem="installing postgresql-client failed"; return 1; }
    fi
    if ! pg_ready; then
        start_postgres || return 1
    fi
    trust_local_connections || return 1
    if [[ $(pg_psql -d postgres -Atc "select 1 from pg_database where datname = 'test'") != 1 ]]; then
        pg_psql -d postgres -c 'create database test' || {
            pg_problem="the database test could not be created"
            return 1
        }
    fi
}

if [[ -n ${FORGE_TEST_DATABASE_URL:-} ]]; then
    note "Using the PostgreSQL server in FORGE_TEST_DATABASE_URL."
elif ensure_postgres; then
    export FORGE_TEST_DATABASE_URL="postgres://postgres@$pg_host:$pg_port/test"
elif [[ -n ${CI:-} ]]; then
    note "error: no PostgreSQL for the tests: ${pg_problem:-unknown reason}. On CI the PostgreSQL tests must run."
    exit 1
else
    note "warning: no PostgreSQL for the tests (${pg_problem:-unknown reason}); testing against SQLite only."
fi

# Each test creates a forge_t_* database; interrupted runs leave theirs
# behind. Without FORCE, databases a concurrent run is using survive.
if [[ -n ${FORGE_TEST_DATABASE_URL:-} ]] && command -v psql >/dev/null 2>&1; then
    PGCONNECT_TIMEOUT=5 psql -X -w -q "$FORGE_TEST_DATABASE_URL" >/dev/null 2>&1 <<'SQL' || true
select format('drop database if exists %I', datname)
from pg_database
where datname like 'forge\_t\_%'
\gexec
SQL
fi

# --- Node.js, for the OpenID Connect provider of the sign-in tests -------------

# tests/oidc.rs starts tests/oidc-provider/server.mjs (the oidc-provider npm
# package, pinned by its package-lock.json). Without node those tests skip,
# except on CI, where they must run.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm || note "node and npm could not be installed; the OpenID Connect tests need them."
fi
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    header "npm ci in tests/oidc-provider"
    (cd tests/oidc-provider && npm ci --no-audit --no-fund --prefer-offline --loglevel=error) || {
        note "npm ci failed in tests/oidc-provider; the OpenID Connect tests need its packages."
        exit 1
    }
elif [[ -n ${CI:-} ]]; then
    note "error: node and npm are missing; on CI the OpenID Connect tests must run."
    exit 1
fi

# --- Checks -------------------------------------------------------------------

# One target folder for every checkout and run, so builds are reused.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/forge/target}"

header "cargo fmt --all -- --check"
cargo fmt --all -- --check

header "cargo clippy --workspace --all-targets --locked -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

header "cargo test --workspace --locked${*:+ $*}"
test_log=$(mktemp)
trap 'rm -f "$test_log"' EXIT
cargo test --workspace --locked "$@" 2>&1 | tee "$test_log"

# One closing line for the whole run; cargo's own last line is the (empty)
# doc-test summary of the last crate.
awk '/^test result:/ { passed += $4; failed += $6 }
     END { printf "\ntests: %d passed, %d failed\n", passed, failed }' "$test_log"

# Browser and npm test steps go here, after the Rust suite. They can rely on
# FORGE_TEST_DATABASE_URL and CARGO_TARGET_DIR as set above.

# --- Browser tests: the funding scenario and accessibility (tests/e2e) ------

# Debian's chromium, driven by playwright-core (playwright's own browser
# builds cannot be downloaded), with axe-core; node's built-in test runner.
# The scenario also runs on PostgreSQL when FORGE_TEST_DATABASE_URL is set.
e2e_dir=tests/e2e
chromium_bin=${CHROMIUM_BIN:-/usr/bin/chromium}
if [[ ! -x $chromium_bin ]]; then
    apt_install chromium || { note "chromium could not be installed; the browser tests need it."; exit 1; }
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm || { note "node and npm could not be installed; the browser tests need them."; exit 1; }
fi
if (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
    note "The browser tests need node 20 or later (playwright-core); this is node $(node --version)."
    exit 1
fi
# npm ci when the packages are missing or the lockfile changed since.
e2e_lock_sum=$(sha256sum "$e2e_dir/package-lock.json" | cut -d' ' -f1)
if [[ ! -d $e2e_dir/node_modules || $(cat "$e2e_dir/node_modules/.lock-sha256" 2>/dev/null) != "$e2e_lock_sum" ]]; then
    header "npm ci in $e2e_dir"
    (cd "$e2e_dir" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error) || {
        note "npm ci failed in $e2e_dir; the browser tests need its packages."
        exit 1
    }
    printf '%s\n' "$e2e_lock_sum" >"$e2e_dir/node_modules/.lock-sha256"
fi

header "cargo build -p forge-server --locked"
cargo build -p forge-server --locked

header "node --test $e2e_dir/"
rm -rf "$e2e_dir/artifacts"
e2e_log=$(mktemp)
trap 'rm -f "$test_log" "$e2e_log"' EXIT
# Readable progress on the terminal, TAP in the log for the counts.
set +e
FORGE_BIN="$CARGO_TARGET_DIR/debug/forge" CHROMIUM_BIN="$chromium_bin" \
    node --test --test-timeout=600000 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$e2e_log" \
    "$e2e_dir/"
e2e_status=$?
set -e
e2e_passed=$(awk '/^# pass / { n = $3 } END { print n + 0 }' "$e2e_log")
e2e_failed=$(awk '/^# fail / { n = $3 } END { print n + 0 }' "$e2e_log")
if (( e2e_status != 0 && e2e_failed == 0 )); then
    # The runner itself failed (a file that would not load, a crash).
    e2e_failed=1
fi
if (( e2e_failed > 0 )) && [[ -d $e2e_dir/artifacts ]]; then
    note "Screenshots of the failing pages are in $e2e_dir/artifacts/."
fi
printf '\ne2e: %d passed, %d failed\n' "$e2e_passed" "$e2e_failed"

# --- The API fuzzed by schemathesis against its OpenAPI document -----------

if ! python3 -c 'import schemathesis' >/dev/null 2>&1; then
    header "pip install schemathesis"
    python3 -m pip install --quiet schemathesis || {
        note "schemathesis could not be installed; the API fuzzing needs it."
        exit 1
    }
fi
header "scripts/api-fuzz.sh"
set +e
scripts/api-fuzz.sh
fuzz_status=$?
set -e
printf '\napi fuzzing: %s\n' "$([[ $fuzz_status == 0 ]] && echo passed || echo failed)"
(( e2e_status == 0 && e2e_failed == 0 && fuzz_status == 0 ))
