// The ceiling for any Node-executed handler: a bare http.createServer answering the same JSON,
// counting its calls the same way as the route in hello-project.
import http from "node:http";
import { writeFileSync } from "node:fs";

let hits = 0;
const dir = process.env.BENCH_HITS_DIR;
if (dir) setInterval(() => writeFileSync(`${dir}/hits-${process.pid}`, String(hits)), 200).unref();
const body = JSON.stringify({ message: "Hello from Next.js!" });
http
  .createServer((req, res) => {
    hits++;
    res.statusCode = 200;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.end(body);
  })
  .listen(Number(process.env.PORT), "127.0.0.1");
