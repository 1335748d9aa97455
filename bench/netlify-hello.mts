import { writeFileSync } from "node:fs";

// The v2 counterpart of hello-project/pages/api/hello.ts: same JSON, and it counts its calls
// into BENCH_HITS_DIR (one file per process) so the benchmark proves it ran for every request.
let hits = 0;
let timer: ReturnType<typeof setInterval> | null = null;

function record() {
  const dir = process.env.BENCH_HITS_DIR;
  if (!dir || timer) return;
  const file = `${dir}/fn-hits-${process.pid}`;
  timer = setInterval(() => writeFileSync(file, String(hits)), 200);
  timer.unref();
}

export default async () => {
  hits++;
  record();
  return Response.json({ message: "Hello from Next.js!" });
};

export const config = { path: "/fn/hello" };
