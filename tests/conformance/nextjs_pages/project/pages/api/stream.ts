const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export default async function h(req, res) {
  res.setHeader("Content-Type", "text/plain");
  res.write("one\n");
  await sleep(20);
  res.write("two\n");
  res.end("three\n");
}
