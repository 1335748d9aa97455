export default function h(req, res) {
  res.send("first");
  res.send("second");
}
