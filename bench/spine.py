#!/usr/bin/env python3
"""Spine benchmark: GET of a hello JSON route under `wrk -t2 -c50 -d15s`, for
  A  a bare Node http.createServer (the ceiling for Node-executed handlers),
  B  `next start` (Next 16) on the same route file,
  C  `petrel start` (release build) on the same route file,
measured in the same run, alternating servers per round. Reports rps, p99, RSS under load
(all processes of the server), process start -> first 200, and checks that the handler ran
once per request (a counter each handler process writes to BENCH_HITS_DIR).

    python3 bench/spine.py [--rounds 2] [--duration 15] [--skip-next]

Needs: wrk (apt install wrk), a release build (cargo build --release), and for B
`next@16` installed in ~/.cache/petrel-next16 (tests/conformance/nextjs_pages/record.sh or
`npm i next@16 react react-dom` there). Not run in CI.
"""
import argparse, json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = os.path.join(ROOT, "bench", "hello-project")
NEXT_CACHE = os.path.expanduser("~/.cache/petrel-next16")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/petrel-target"))
PETREL = os.path.join(TARGET, "release", "petrel")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def descendants(pid):
    out = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    except FileNotFoundError:
        children = []
    for c in children:
        out += descendants(int(c))
    return out


def rss_mb(pid):
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def wait_first_200(port, proc, timeout=60, path="/api/hello"):
    url = f"http://127.0.0.1:{port}{path}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.005)
    raise RuntimeError("server never answered 200")


def start(kind, port, hits_dir, next_dir):
    env = dict(os.environ, PORT=str(port), BENCH_HITS_DIR=hits_dir, NODE_ENV="production")
    if kind == "bare-node":
        cmd = ["node", os.path.join(ROOT, "bench", "bare-node.mjs")]
        cwd = ROOT
    elif kind == "next-start":
        cmd = [os.path.join(next_dir, "node_modules", ".bin", "next"), "start", "-p", str(port), "-H", "127.0.0.1"]
        cwd = next_dir
    else:
        cmd = [PETREL, "start", PROJECT, "--port", str(port), "-H", "127.0.0.1"]
        cwd = ROOT
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    wait_first_200(port, proc)
    return proc, (time.monotonic() - t0) * 1000


def stop(proc):
    try:
        os.killpg(proc.pid, 15)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()


def parse_latency(text, label):
    m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not m:
        return None
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


def run_wrk(port, duration, pid, path="/api/hello"):
    cmd = ["wrk", "-t2", "-c50", f"-d{duration}s", "--latency", f"http://127.0.0.1:{port}{path}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    samples = []
    t_end = time.monotonic() + duration
    while time.monotonic() < t_end - 0.5:
        time.sleep(1)
        samples.append(rss_mb(pid))
    out, _ = proc.communicate()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "requests": total,
        "p50_ms": parse_latency(out, "50%"),
        "p99_ms": parse_latency(out, "99%"),
        "rss_mb": max(samples) if samples else rss_mb(pid),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def hits(hits_dir):
    time.sleep(0.5)
    total = 0
    for name in os.listdir(hits_dir):
        with open(os.path.join(hits_dir, name)) as f:
            total += int(f.read() or 0)
    return total


def prepare_next():
    nm = os.path.join(NEXT_CACHE, "node_modules")
    if not os.path.isdir(os.path.join(nm, "next")):
        sys.exit(f"next is not installed in {NEXT_CACHE}; run: mkdir -p {NEXT_CACHE} && cd {NEXT_CACHE} && npm i next@16 react react-dom")
    work = tempfile.mkdtemp(prefix="petrel-bench-next-")
    shutil.copytree(PROJECT, work, dirs_exist_ok=True)
    # Turbopack refuses a symlinked node_modules; a hard-linked copy works.
    subprocess.run(["cp", "-al", nm, os.path.join(work, "node_modules")], check=True)
    print("next build ...", flush=True)
    subprocess.run([os.path.join(work, "node_modules", ".bin", "next"), "build"], cwd=work, check=True,
                   stdout=subprocess.DEVNULL, env=dict(os.environ, NEXT_TELEMETRY_DISABLED="1"))
    return work


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--skip-next", action="store_true")
    args = ap.parse_args()
    if not os.path.exists(PETREL):
        sys.exit(f"{PETREL} missing: run cargo build --release")
    next_dir = None if args.skip_next else prepare_next()
    kinds = ["bare-node", "petrel"] + ([] if args.skip_next else ["next-start"])
    results = {k: [] for k in kinds}
    for rnd in range(args.rounds):
        for kind in kinds:
            hits_dir = tempfile.mkdtemp(prefix="petrel-bench-hits-")
            port = free_port()
            proc, startup_ms = start(kind, port, hits_dir, next_dir)
            try:
                time.sleep(0.5)
                subprocess.run(["wrk", "-t2", "-c50", "-d2s", f"http://127.0.0.1:{port}/api/hello"],
                               stdout=subprocess.DEVNULL)  # warm-up
                warm = hits(hits_dir)
                r = run_wrk(port, args.duration, proc.pid)
                r["startup_ms"] = startup_ms
                counted = hits(hits_dir) - warm
                r["handler_calls"] = counted
            finally:
                stop(proc)
                shutil.rmtree(hits_dir, ignore_errors=True)
            results[kind].append(r)
            print(f"round {rnd + 1} {kind:10s} {r['rps']:9.0f} rps  p99 {r['p99_ms']:.2f} ms  "
                  f"rss {r['rss_mb']:.0f} MB  start->200 {startup_ms:.0f} ms  "
                  f"handler calls {r['handler_calls']} / wrk requests {r['requests']}"
                  f"{'  NON-2XX ' + str(r['non2xx']) if r['non2xx'] else ''}", flush=True)
    # Per-round ratios, then the median.
    def med(xs):
        xs = sorted(xs)
        return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
    summary = {}
    for i in range(args.rounds):
        p, a = results["petrel"][i], results["bare-node"][i]
        summary.setdefault("rps_vs_bare_node", []).append(p["rps"] / a["rps"])
        if not args.skip_next:
            n = results["next-start"][i]
            summary.setdefault("rps_vs_next", []).append(p["rps"] / n["rps"])
            summary.setdefault("p99_vs_next", []).append(p["p99_ms"] / n["p99_ms"])
            summary.setdefault("rss_vs_next", []).append(p["rss_mb"] / n["rss_mb"])
            summary.setdefault("startup_vs_next", []).append(p["startup_ms"] / n["startup_ms"])
    print("\nmedian ratios (per-round ratios in brackets):")
    for k, v in summary.items():
        print(f"  {k:18s} {med(v):.3f}  [{', '.join(f'{x:.3f}' for x in v)}]")
    print(json.dumps({"results": results, "ratios": summary}, indent=1), file=open("/tmp/petrel-bench-spine.json", "w"))
    if next_dir:
        shutil.rmtree(next_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
