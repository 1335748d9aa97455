#!/usr/bin/env python3
"""Netlify Functions benchmark (issue #4): a v2 hello function against the Pages API hello
route, served by the same `petrel start` process, measured alternately under
`wrk -t2 -c50 -d15s` after a warm-up. Each handler counts its calls into BENCH_HITS_DIR, so
the figures prove the handler ran for every request. Target: v2 rps >= 0.9x Pages API rps.

    python3 bench/netlify.py [--rounds 3] [--duration 15]

Needs wrk and a release build. Not run in CI.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spine import PETREL, PROJECT, free_port, run_wrk, stop, wait_first_200  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def count(hits_dir, prefix):
    time.sleep(0.5)
    total = 0
    for name in os.listdir(hits_dir):
        if name.startswith(prefix):
            with open(os.path.join(hits_dir, name)) as f:
                total += int(f.read() or 0)
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=15)
    args = ap.parse_args()
    if not os.path.exists(PETREL):
        sys.exit("build petrel first: cargo build --release")
    work = tempfile.mkdtemp(prefix="petrel-bench-netlify-")
    shutil.copytree(PROJECT, work, dirs_exist_ok=True)
    os.makedirs(os.path.join(work, "netlify", "functions"))
    shutil.copy(os.path.join(HERE, "netlify-hello.mts"), os.path.join(work, "netlify", "functions", "hello.mts"))
    hits_dir = tempfile.mkdtemp(prefix="petrel-bench-hits-")
    port = free_port()
    env = dict(os.environ, BENCH_HITS_DIR=hits_dir)
    proc = subprocess.Popen([PETREL, "start", work, "--port", str(port), "-H", "127.0.0.1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    urls = {"pages": "/api/hello", "netlify-v2": "/fn/hello"}
    prefixes = {"pages": "hits-", "netlify-v2": "fn-hits-"}
    results = {k: [] for k in urls}
    try:
        wait_first_200(port, proc)
        for kind, path in urls.items():
            subprocess.run(["wrk", "-t2", "-c50", "-d2s", f"http://127.0.0.1:{port}{path}"], stdout=subprocess.DEVNULL)
        for rnd in range(args.rounds):
            for kind, path in urls.items():
                before = count(hits_dir, prefixes[kind])
                r = run_wrk(port, args.duration, proc.pid, path)
                r["handler_calls"] = count(hits_dir, prefixes[kind]) - before
                results[kind].append(r)
                print(f"round {rnd + 1} {kind:10s} {r['rps']:9.0f} rps  p99 {r['p99_ms']:.2f} ms  "
                      f"handler calls {r['handler_calls']} / wrk requests {r['requests']}"
                      f"{'  NON-2XX ' + str(r['non2xx']) if r['non2xx'] else ''}", flush=True)
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(hits_dir, ignore_errors=True)
    ratios = [n["rps"] / p["rps"] for n, p in zip(results["netlify-v2"], results["pages"])]
    print(f"\nnetlify-v2 / pages rps: median {statistics.median(ratios):.3f} "
          f"[{', '.join(f'{x:.3f}' for x in ratios)}] (target >= 0.9)")


if __name__ == "__main__":
    main()
