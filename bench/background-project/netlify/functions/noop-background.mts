import { writeFileSync } from "node:fs";

// A no-op background job that counts its runs into BENCH_HITS_DIR (one file per process).
let runs = 0;
let timer: ReturnType<typeof setInterval> | null = null;

export default async () => {
  runs++;
  const dir = process.env.BENCH_HITS_DIR;
  if (dir && !timer) {
    timer = setInterval(() => writeFileSync(`${dir}/jobs-${process.pid}`, String(runs)), 200);
    timer.unref();
  }
};
