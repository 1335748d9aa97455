#!/usr/bin/env python3
"""`petrel dev` benchmark (issue #3), two figures measured in the same run:

  1. Process start -> first 200 from an API route, `petrel dev` vs `next dev` (Next 16), on
     fresh copies of bench/hello-project each round (no .next / .petrel cache), alternating.
     Target: petrel <= 0.1x next.
  2. A one-line edit of a route in a 200-route project -> the next request answered by the new
     code, with `petrel dev` (each response carries a fresh token written by the edit, so the
     handler that ran is proven to be the new one). Target: <= 100 ms.

    python3 bench/dev.py [--rounds 3] [--edits 20] [--skip-next]

Needs a release build (cargo build --release) and, for `next dev`, next@16 installed in
~/.cache/petrel-next16 (see bench/spine.py). Not run in CI.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spine import NEXT_CACHE, PETREL, PROJECT, free_port, stop  # noqa: E402


def get(port, path, timeout=30):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        return r.status, r.read().decode()


def first_200(cmd, cwd, port, env):
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = t0 + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}")
        try:
            status, _ = get(port, "/api/hello", timeout=60)
            if status == 200:
                return proc, (time.monotonic() - t0) * 1000
        except Exception:
            time.sleep(0.005)
    raise RuntimeError("never answered 200")


def fresh_copy(with_next):
    work = tempfile.mkdtemp(prefix="petrel-bench-dev-")
    shutil.copytree(PROJECT, work, dirs_exist_ok=True)
    if with_next:
        subprocess.run(["cp", "-al", os.path.join(NEXT_CACHE, "node_modules"), os.path.join(work, "node_modules")],
                       check=True)
    return work


def startup(rounds, skip_next):
    env = dict(os.environ, NEXT_TELEMETRY_DISABLED="1")
    env.pop("NODE_ENV", None)
    results = {"petrel dev": [], "next dev": []}
    for _ in range(rounds):
        kinds = ["petrel dev"] + ([] if skip_next else ["next dev"])
        for kind in kinds:
            work = fresh_copy(kind == "next dev")
            port = free_port()
            if kind == "next dev":
                cmd = [os.path.join(work, "node_modules", ".bin", "next"), "dev", "-p", str(port), "-H", "127.0.0.1"]
            else:
                cmd = [PETREL, "dev", work, "--port", str(port), "-H", "127.0.0.1"]
            proc, ms = first_200(cmd, work, port, env)
            results[kind].append(ms)
            stop(proc)
            shutil.rmtree(work, ignore_errors=True)
            print(f"  {kind:10} start -> first 200: {ms:7.0f} ms", flush=True)
    return results


ROUTE = 'import {{ shared }} from "../../lib/shared";\nexport default function handler(req: any, res: any) {{\n  res.json({{ route: {i}, shared, token: "{token}" }});\n}}\n'


def edit_loop(edits, routes=200):
    work = tempfile.mkdtemp(prefix="petrel-bench-edit-")
    os.makedirs(os.path.join(work, "pages", "api"))
    os.makedirs(os.path.join(work, "lib"))
    with open(os.path.join(work, "lib", "shared.ts"), "w") as f:
        f.write('export const shared: string = "s";\n')
    for i in range(routes):
        with open(os.path.join(work, "pages", "api", f"r{i}.ts"), "w") as f:
            f.write(ROUTE.format(i=i, token="t0"))
    port = free_port()
    proc = subprocess.Popen([PETREL, "dev", work, "--port", str(port), "-H", "127.0.0.1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(port, "/api/r7")[0] == 200:
                    break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        times = []
        target = os.path.join(work, "pages", "api", "r7.ts")
        for n in range(1, edits + 1):
            time.sleep(1.0)  # a person types between saves; the spare workers get ready
            token = f"t{n}"
            t0 = time.monotonic()
            with open(target, "w") as f:
                f.write(ROUTE.format(i=7, token=token))
            status, body = get(port, "/api/r7")
            ms = (time.monotonic() - t0) * 1000
            if status != 200 or f'"token":"{token}"' not in body:
                raise RuntimeError(f"edit {n}: old code answered: {status} {body}")
            times.append(ms)
        return times
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--skip-next", action="store_true")
    args = ap.parse_args()
    if not os.path.exists(PETREL):
        sys.exit("build petrel first: cargo build --release")
    if not args.skip_next and not os.path.isdir(os.path.join(NEXT_CACHE, "node_modules", "next")):
        sys.exit(f"next@16 is not installed in {NEXT_CACHE} (or pass --skip-next)")
    print("1. start -> first 200 (fresh copy each time)")
    res = startup(args.rounds, args.skip_next)
    p = statistics.median(res["petrel dev"])
    print(f"   petrel dev median {p:.0f} ms")
    if res["next dev"]:
        n = statistics.median(res["next dev"])
        print(f"   next dev   median {n:.0f} ms  -> petrel/next = {p / n:.3f}x (target <= 0.1x)")
    print("2. one-line edit -> next response from the new code, 200 routes")
    times = sorted(edit_loop(args.edits))
    print(f"   median {statistics.median(times):.1f} ms, p90 {times[int(len(times) * 0.9) - 1]:.1f} ms, "
          f"max {times[-1]:.1f} ms over {len(times)} edits (target <= 100 ms)")


if __name__ == "__main__":
    main()
