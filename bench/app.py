#!/usr/bin/env python3
"""App Router benchmark (issue #9): GET of a hello JSON route under `wrk -t2 -c50 -d15s`, for
  pages  `petrel start` on the Pages API hello (`pages/api/hello.ts`),
  app    `petrel start` on its App Router twin (`app/api/app-hello/route.ts`),
  next   `next start` (Next 16) on the same App Router route,
all on `bench/app-project`, measured in the same run, alternating per round. Targets: app rps
>= 0.9x pages; app rps >= 20x next; app p99 <= 5% of next's. Reports rps, p50/p99, RSS under
load, and checks the handler ran once per request (BENCH_HITS_DIR counters).

    python3 bench/app.py [--rounds 3] [--duration 15]

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
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    spine.wait_first_200(port, proc, path=PATHS[kind])
    return proc, (time.monotonic() - t0) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=15)
    args = ap.parse_args()
    if not os.path.exists(spine.PETREL):
        sys.exit(f"{spine.PETREL} missing: run cargo build --release")
    spine.PROJECT = PROJECT
    next_dir = spine.prepare_next()
    kinds = ["pages", "app", "next"]
    results = {k: [] for k in kinds}
    for rnd in range(args.rounds):
        for kind in kinds:
            hits_dir = tempfile.mkdtemp(prefix="petrel-bench-hits-")
            port = spine.free_port()
            proc, startup_ms = start(kind, port, hits_dir, next_dir)
            path = PATHS[kind]
            try:
                time.sleep(0.5)
                subprocess.run(["wrk", "-t2", "-c50", "-d2s", f"http://127.0.0.1:{port}{path}"],
                               stdout=subprocess.DEVNULL)  # warm-up
                warm = spine.hits(hits_dir)
                r = spine.run_wrk(port, args.duration, proc.pid, path)
                r["startup_ms"] = startup_ms
                r["handler_calls"] = spine.hits(hits_dir) - warm
            finally:
                spine.stop(proc)
                shutil.rmtree(hits_dir, ignore_errors=True)
            results[kind].append(r)
            print(f"round {rnd + 1} {kind:6s} {r['rps']:9.0f} rps  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  "
                  f"rss {r['rss_mb']:.0f} MB  handler calls {r['handler_calls']} / wrk requests {r['requests']}"
                  f"{'  NON-2XX ' + str(r['non2xx']) if r['non2xx'] else ''}"
                  f"{'  socket errors: ' + r['socket_errors'] if r['socket_errors'] else ''}", flush=True)

    def med(xs):
        xs = sorted(xs)
        return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2

    summary = {}
    for i in range(args.rounds):
        pages, app, nxt = (results[k][i] for k in kinds)
        summary.setdefault("app_rps_vs_pages (>= 0.9)", []).append(app["rps"] / pages["rps"])
        summary.setdefault("app_rps_vs_next (>= 20)", []).append(app["rps"] / nxt["rps"])
        summary.setdefault("app_p99_vs_next (<= 0.05)", []).append(app["p99_ms"] / nxt["p99_ms"])
        summary.setdefault("app_rss_vs_next", []).append(app["rss_mb"] / nxt["rss_mb"])
    print("\nmedian ratios (per-round ratios in brackets):")
    for k, v in summary.items():
        print(f"  {k:28s} {med(v):.3f}  [{', '.join(f'{x:.3f}' for x in v)}]")
    with open("/tmp/petrel-bench-app.json", "w") as f:
        json.dump({"results": results, "ratios": summary}, f, indent=1)
    shutil.rmtree(next_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
