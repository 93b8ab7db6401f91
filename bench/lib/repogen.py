"""A deterministic test repository, generated with `git fast-import`.

The same parameters always give the same commits (fixed authors and dates,
content from a seeded generator), so the same tip commit id; the repository
is generated once into bench/.cache and reused while the parameters match.
"""

import hashlib
import json
import os
import random
import shutil
import subprocess
import time

from common import CACHE_DIR, env_int, log, output, run

GENERATOR_VERSION = 1
BIG_FILE = "src/core/engine.rs"
EPOCH = 1_600_000_000  # 2020-09-13, the first commit's date

WORDS = (
    "account pledge issue commit branch repo member owner treasurer budget "
    "invoice payment token session page label milestone review merge patch "
    "diff tree blob object pack index ref tag hook queue worker cache store "
    "query table column value buffer stream reader writer parser lexer node "
    "graph path route handler request response header body error result"
).split()
TOP_DIRS = ["src", "lib", "tests", "docs", "tools", "web"]
EXTENSIONS = ["rs", "rs", "rs", "py", "c", "md", "toml", "txt"]


def _line(rng, ext, n):
    a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)
    k = rng.randrange(1, 10_000)
    if ext == "rs":
        forms = (
            f"    let {a}_{n} = {b}.{c}({k});",
            f"fn {a}_{b}_{n}({c}: u64) -> u64 {{ {c}.wrapping_mul({k}) }}",
            f"    // {a} {b} {c}: keep {k} in step with the {a} table.",
            f"    if {a}.len() > {k} {{ return Err(Error::{b.title()}{c.title()}); }}",
        )
    elif ext == "py":
        forms = (
            f"    {a}_{n} = {b}.{c}({k})",
            f"def {a}_{b}_{n}({c}):\n    return {c} * {k}",
            f"    # {a} {b} {c}: keep {k} in step with the {a} table.",
        )
    elif ext == "c":
        forms = (
            f"    int {a}_{n} = {b}_{c}({k});",
            f"static long {a}_{b}_{n}(long {c}) {{ return {c} * {k}; }}",
            f"    /* {a} {b} {c}: {k} */",
        )
    else:
        forms = (
            f"The {a} {b} keeps {k} {c} entries.",
            f"{a}_{b} = {k}",
            f"- {a}: {b} {c} ({k})",
        )
    return rng.choice(forms)


def _content(rng, ext, lines):
    return [_line(rng, ext, n) for n in range(lines)]


def _blob(lines):
    return ("\n".join(lines) + "\n").encode()


def parameters(commits, files, big_lines, seed):
    return {
        "generator": GENERATOR_VERSION,
        "commits": commits,
        "files": files,
        "big_file_lines": big_lines,
        "seed": seed,
    }


def parameters_from_env():
    """The repository's parameters, from the BENCH_* settings (bench/README.md)."""
    return parameters(
        commits=env_int("BENCH_COMMITS", 2000),
        files=env_int("BENCH_FILES", 3000),
        big_lines=env_int("BENCH_BIG_FILE_LINES", 2000),
        seed=env_int("BENCH_SEED", 1),
    )


def _stream(params, write):
    """Writes the fast-import stream for `params` through write(bytes)."""
    rng = random.Random(params["seed"])
    commits, files, big_lines = params["commits"], params["files"], params["big_file_lines"]
    small_target = files - 1  # the big file is the last one
    contents = {}
    small_paths = []

    def new_path(index):
        top = TOP_DIRS[index % len(TOP_DIRS)]
        sub = WORDS[(index * 7) % len(WORDS)]
        ext = EXTENSIONS[rng.randrange(len(EXTENSIONS))]
        return f"{top}/{sub}/{rng.choice(WORDS)}_{index:04d}.{ext}", ext

    for i in range(commits):
        changes = {}
        if i == 0:
            changes[BIG_FILE] = _content(rng, "rs", big_lines)
        # Spread the small files evenly over the commits.
        for index in range(small_target * i // commits, small_target * (i + 1) // commits):
            path, ext = new_path(index)
            changes[path] = _content(rng, ext, rng.randrange(5, 80))
            small_paths.append(path)
        # Edit a few existing files.
        if len(small_paths) > len(changes):
            for _ in range(rng.randint(1, 3)):
                path = rng.choice(small_paths)
                if path in changes:
                    continue
                lines = list(contents[path])
                ext = path.rsplit(".", 1)[1]
                for _ in range(rng.randint(1, 4)):
                    n = rng.randrange(len(lines))
                    if rng.random() < 0.3:
                        lines.insert(n, _line(rng, ext, n))
                    else:
                        lines[n] = _line(rng, ext, n)
                changes[path] = lines
        # The big source file changes every fifth commit, keeping its length.
        if i > 0 and i % 5 == 0:
            lines = list(contents[BIG_FILE])
            for _ in range(rng.randint(3, 8)):
                n = rng.randrange(len(lines))
                lines[n] = _line(rng, "rs", n)
            changes[BIG_FILE] = lines

        contents.update(changes)
        when = EPOCH + i * 3607
        message = f"Change {i + 1}: {rng.choice(WORDS)} {rng.choice(WORDS)}\n".encode()
        head = [
            b"commit refs/heads/main",
            f"mark :{i + 1}".encode(),
            f"author Bench Author <author@example.org> {when} +0000".encode(),
            f"committer Bench Author <author@example.org> {when} +0000".encode(),
            f"data {len(message)}".encode(),
        ]
        write(b"\n".join(head) + b"\n" + message)
        if i > 0:
            write(f"from :{i}\n".encode())
        for path in sorted(changes):
            blob = _blob(changes[path])
            write(f"M 100644 inline {path}\ndata {len(blob)}\n".encode() + blob + b"\n")
        write(b"\n")
    write(b"done\n")


def ensure(params, env):
    """The path of the bare repository for `params`, generated if needed,
    and its metadata (tip commit, counts, pack size)."""
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]
    path = os.path.join(CACHE_DIR, f"repo-{key}.git")
    meta_path = os.path.join(CACHE_DIR, f"repo-{key}.json")
    if os.path.isdir(path) and os.path.isfile(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        log(f"reusing the generated repository {path} (tip {meta['tip'][:12]})")
        return path, meta

    os.makedirs(CACHE_DIR, exist_ok=True)
    building = path + ".tmp"
    shutil.rmtree(building, ignore_errors=True)
    log(f"generating the repository ({params['commits']} commits, {params['files']} files) into {path}")
    started = time.perf_counter()
    run(["git", "init", "--quiet", "--bare", "--initial-branch=main", building], env=env)
    importer = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"],
        cwd=building,
        env=env,
        stdin=subprocess.PIPE,
    )
    try:
        _stream(params, importer.stdin.write)
        importer.stdin.close()
    except BrokenPipeError:
        pass
    if importer.wait() != 0:
        raise RuntimeError("git fast-import failed")
    # One well-deltified pack, like a repository that has been gc'ed.
    run(["git", "repack", "-a", "-d", "-f", "-q"], cwd=building, env=env)
    run(["git", "prune-packed"], cwd=building, env=env)

    meta = {
        "parameters": params,
        "tip": output(["git", "rev-parse", "refs/heads/main"], cwd=building, env=env),
        "commits": int(output(["git", "rev-list", "--count", "refs/heads/main"], cwd=building, env=env)),
        "files": len(output(["git", "ls-tree", "-r", "--name-only", "refs/heads/main"], cwd=building, env=env).splitlines()),
        "big_file_lines": len(output(["git", "show", f"refs/heads/main:{BIG_FILE}"], cwd=building, env=env).splitlines()),
        "pack_bytes": sum(
            os.path.getsize(os.path.join(building, "objects", "pack", name))
            for name in os.listdir(os.path.join(building, "objects", "pack"))
            if name.endswith(".pack")
        ),
        "generated_in_s": round(time.perf_counter() - started, 1),
    }
    if (meta["commits"], meta["files"], meta["big_file_lines"]) != (
        params["commits"], params["files"], params["big_file_lines"]
    ):
        raise RuntimeError(f"the generated repository does not match its parameters: {meta}")
    shutil.rmtree(path, ignore_errors=True)
    os.rename(building, path)
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=2)
    log(f"generated in {meta['generated_in_s']} s: tip {meta['tip'][:12]}, pack {meta['pack_bytes'] / 1e6:.1f} MB")
    return path, meta
