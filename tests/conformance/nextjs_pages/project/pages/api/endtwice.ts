export default function h(req, res) {
  res.end("first");
  res.end("second");
}
