#!/usr/bin/env python3
"""App Router benchmark (issue #9): GET of a hello JSON route under `wrk -t2 -c50`, for
  pages  `petrel start` on the Pages API hello (`pages/api/hello.ts`),
  app    the same `petrel start`, on its App Router twin (`app/api/app-hello/route.ts`),
  next   `next start` (Next 16) on the same App Router route,
all on `bench/app-project`. Both servers run for the whole benchmark and the three loads are
interleaved in short slices (this 2-core VM's speed drifts by 2x over minutes, so long
back-to-back runs compare different machines). Targets: app rps >= 0.9x pages; app rps >= 20x
next; app p99 <= 5% of next's. Reports the median of each kind's slices and the median of the
per-slice ratios, RSS under load, and checks the handler ran once per request (BENCH_HITS_DIR).

    python3 bench/app.py [--slices 12] [--seconds 5]

Needs wrk, a release build, and next@16 in ~/.cache/petrel-next16 (see bench/README.md).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spine  # noqa: E402  (the shared helpers: wrk, RSS, hit counters, start/stop)

PROJECT = os.path.join(spine.ROOT, "bench", "app-project")
PATHS = {"pages": "/api/hello", "app": "/api/app-hello", "next": "/api/app-hello"}


def start(kind, port, hits_dir, next_dir):
    env = dict(os.environ, PORT=str(port), BENCH_HITS_DIR=hits_dir, NODE_ENV="production")
    if kind == "next":
        cmd = [os.path.join(next_dir, "node_modules", ".bin", "next"), "start", "-p", str(port), "-H", "127.0.0.1"]
        cwd = next_dir
    else:
        cmd = [spine.PETREL, "start", PROJECT, "--port", str(port), "-H", "127.0.0.1"]
        cwd = spine.ROOT
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    spine.wait_first_200(port, proc, path=PATHS[kind])
    return proc


def med(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slices", type=int, default=12)
    ap.add_argument("--seconds", type=int, default=5)
    args = ap.parse_args()
    if not os.path.exists(spine.PETREL):
        sys.exit(f"{spine.PETREL} missing: run cargo build --release")
    spine.PROJECT = PROJECT
    next_dir = spine.prepare_next()
    hits = {"petrel": tempfile.mkdtemp(prefix="petrel-bench-hits-"), "next": tempfile.mkdtemp(prefix="petrel-bench-hits-")}
    ports = {"petrel": spine.free_port(), "next": spine.free_port()}
    procs = {}
    try:
        procs["petrel"] = start("pages", ports["petrel"], hits["petrel"], next_dir)
        procs["next"] = start("next", ports["next"], hits["next"], next_dir)
        server = {"pages": "petrel", "app": "petrel", "next": "next"}
        for kind in PATHS:  # warm-up
            subprocess.run(["wrk", "-t2", "-c50", "-d3s", f"http://127.0.0.1:{ports[server[kind]]}{PATHS[kind]}"],
                           stdout=subprocess.DEVNULL)
        results = {k: [] for k in PATHS}
        calls = {"petrel": 0, "next": 0}
        requests = {"petrel": 0, "next": 0}
        for i in range(args.slices):
            for kind in PATHS:
                name = server[kind]
                before = spine.hits(hits[name])
                r = spine.run_wrk(ports[name], args.seconds, procs[name].pid, PATHS[kind])
                calls[name] += spine.hits(hits[name]) - before
                requests[name] += r["requests"]
                results[kind].append(r)
            p, a, n = (results[k][-1] for k in PATHS)
            print(f"slice {i + 1:2d}  pages {p['rps']:8.0f}  app {a['rps']:8.0f}  next {n['rps']:6.0f} rps   "
                  f"app/pages {a['rps'] / p['rps']:.3f}  app/next {a['rps'] / n['rps']:6.2f}  "
                  f"p99 app {a['p99_ms']:.1f} ms next {n['p99_ms']:.0f} ms", flush=True)
    finally:
        for proc in procs.values():
            spine.stop(proc)
        for d in hits.values():
            shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(next_dir, ignore_errors=True)

    pages, app, nxt = (results[k] for k in PATHS)
    ratios = {
        "app_rps_vs_pages (>= 0.9)": [a["rps"] / p["rps"] for a, p in zip(app, pages)],
        "app_rps_vs_next (>= 20)": [a["rps"] / n["rps"] for a, n in zip(app, nxt)],
        "app_p99_vs_next (<= 0.05)": [a["p99_ms"] / n["p99_ms"] for a, n in zip(app, nxt)],
    }
    print("\nmedians over the slices:")
    for kind in PATHS:
        rs = results[kind]
        print(f"  {kind:6s} {med([r['rps'] for r in rs]):8.0f} rps  p50 {med([r['p50_ms'] for r in rs]):.2f} ms  "
              f"p99 {med([r['p99_ms'] for r in rs]):.2f} ms  rss {max(r['rss_mb'] for r in rs):.0f} MB")
    for k, v in ratios.items():
        print(f"  {k:28s} {med(v):.3f}  (min {min(v):.3f}, max {max(v):.3f})")
    print(f"  handler calls / wrk requests: petrel {calls['petrel']} / {requests['petrel']}, next {calls['next']} / {requests['next']}")
    with open("/tmp/petrel-bench-app.json", "w") as f:
        json.dump({"results": results, "ratios": ratios}, f, indent=1)


if __name__ == "__main__":
    main()
