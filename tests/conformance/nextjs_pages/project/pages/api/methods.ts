export default function h(req, res) {
  res.setHeader("X-Method", req.method);
  res.status(200).send("method=" + req.method);
}
