import type { NextApiRequest, NextApiResponse } from "next";
import { writeFileSync } from "node:fs";

// Counts its calls and, when BENCH_HITS_DIR is set, writes the count to a file per process,
// so the benchmark can prove the handler ran for every request.
let hits = 0;
let timer: ReturnType<typeof setInterval> | null = null;

function record() {
  const dir = process.env.BENCH_HITS_DIR;
  if (!dir || timer) return;
  const file = `${dir}/hits-${process.pid}`;
  timer = setInterval(() => writeFileSync(file, String(hits)), 200);
  timer.unref();
}

export default function handler(req: NextApiRequest, res: NextApiResponse) {
  hits++;
  record();
  res.status(200).json({ message: "Hello from Next.js!" });
}
