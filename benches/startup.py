#!/usr/bin/env python3
"""Start-up of `kiln run` against `wasmtime run`: cold (no cache), cached
(the compiled-module cache warm) and precompiled (`compile` +
`run --allow-precompiled`), on SQLite (1.3 MB) and on a large module: SQLite
with every function body copied N more times (real compiler output, about
11 MB with the default 9 copies; the copies are never called, but every
runtime compiles them). Each run is a whole process running the SQLite
driver on 10 rows, so the time is start-up plus a few milliseconds of work.

    cargo build --release -p kiln-cli
    cargo run --release -p kiln-bench -- --quick --filter sqlite --engines kiln-jit   # builds SQLite
    python3 benches/startup.py [--wasmtime PATH] [--runs N] [--copies N]

Prints a table of medians (milliseconds). Not a test: timings are noisy.
"""

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def leb(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def sections(data):
    assert data[:8] == b"\0asm\x01\0\0\0", "a core wasm module"
    pos = 8
    while pos < len(data):
        sid = data[pos]
        size, start = read_leb(data, pos + 1)
        yield sid, data[start : start + size]
        pos = start + size


def vector(payload):
    """The entries of a vector section, as raw byte strings (function
    section: type indices; code section: size-prefixed bodies)."""
    count, pos = read_leb(payload, 0)
    return count, pos


def enlarge(wasm, copies):
    """`wasm` with every defined function's body appended `copies` more
    times (same types; the copies call the originals, so the module stays
    valid and behaves the same)."""
    out = bytearray(wasm[:8])
    for sid, payload in sections(wasm):
        if sid == 3:  # function section: type index per defined function
            count, pos = vector(payload)
            types = payload[pos:]
            payload = leb(count * (copies + 1)) + types * (copies + 1)
        elif sid == 10:  # code section: size-prefixed bodies
            count, pos = vector(payload)
            bodies = payload[pos:]
            payload = leb(count * (copies + 1)) + bodies * (copies + 1)
        out += bytes([sid]) + leb(len(payload)) + payload
    return bytes(out)


def median_ms(cmd, runs, env, before=None):
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        times.append((time.perf_counter() - start) * 1000)
        if done.returncode != 0 or b"ok" not in done.stdout:
            sys.exit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode()[:2000]}")
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kiln", default=os.path.join(ROOT, "target", "release", "kiln"))
    parser.add_argument("--wasmtime", default=shutil.which("wasmtime"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--copies", type=int, default=9)
    args = parser.parse_args()

    found = glob.glob(os.path.join(ROOT, "target", "kiln-bench", "wasi", "sqlite-*.wasm"))
    if not found:
        sys.exit("no SQLite build: run `cargo run --release -p kiln-bench -- --quick --filter sqlite` first")
    work = tempfile.mkdtemp(prefix="kiln-startup-")
    sqlite = open(found[0], "rb").read()
    modules = [("sqlite", sqlite), (f"sqlite x{args.copies + 1}", enlarge(sqlite, args.copies))]

    runtimes = [("kiln", args.kiln)]
    if args.wasmtime:
        runtimes.append(("wasmtime", args.wasmtime))
    else:
        print("wasmtime not found (--wasmtime PATH): Kiln only", file=sys.stderr)

    data = os.path.join(work, "data")
    os.makedirs(data)

    def fresh_db():
        for f in glob.glob(os.path.join(data, "*")):
            os.remove(f)

    rows = []
    for name, wasm in modules:
        path = os.path.join(work, name.replace(" ", "-") + ".wasm")
        open(path, "wb").write(wasm)
        row = [name, f"{len(wasm) / 1e6:.1f} MB"]
        for runtime, exe in runtimes:
            env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, f"cache-{runtime}"))
            shutil.rmtree(env["XDG_CACHE_HOME"], ignore_errors=True)
            guest = ["--dir", f"{data}::/data"]
            tail = ["/data/bench.db", "10"]
            cold = median_ms([exe, "run", "-C", "cache=n", *guest, path, *tail], args.runs, env, fresh_db)
            cached_cmd = [exe, "run", "-C", "cache=y", *guest, path, *tail]
            median_ms(cached_cmd, 1, env, fresh_db)  # fills the cache
            cached = median_ms(cached_cmd, args.runs, env, fresh_db)
            artifact = path + f".{runtime}.cwasm"
            subprocess.run([exe, "compile", path, "-o", artifact], check=True, env=env)
            pre_cmd = [exe, "run", "--allow-precompiled", *guest, artifact, *tail]
            pre = median_ms(pre_cmd, args.runs, env, fresh_db)
            row += [f"{cold:.0f}", f"{cached:.0f}", f"{pre:.0f}"]
        rows.append(row)

    header = ["module", "size"]
    for runtime, _ in runtimes:
        header += [f"{runtime} cold", f"{runtime} cached", f"{runtime} precompiled"]
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(c).rjust(w) for c, w in zip(r, widths)) + " |"
    print(f"median of {args.runs} runs, milliseconds, whole process (start-up + 10 SQLite rows)")
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
