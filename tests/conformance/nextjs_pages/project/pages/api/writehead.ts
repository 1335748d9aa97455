export default function h(req, res) {
  res.writeHead(201, { "X-A": "1", "Content-Type": "text/plain" });
  res.end("done");
}
