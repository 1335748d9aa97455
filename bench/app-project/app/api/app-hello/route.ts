import { writeFileSync } from "node:fs";

// The App Router twin of pages/api/hello.ts: same body, same call counting (BENCH_HITS_DIR).
let hits = 0;
let timer: ReturnType<typeof setInterval> | null = null;

function record() {
  const dir = process.env.BENCH_HITS_DIR;
  if (!dir || timer) return;
  const file = `${dir}/app-hits-${process.pid}`;
  timer = setInterval(() => writeFileSync(file, String(hits)), 200);
  timer.unref();
}

export async function GET() {
  hits++;
  record();
  return Response.json({ message: "Hello from Next.js!" });
}
