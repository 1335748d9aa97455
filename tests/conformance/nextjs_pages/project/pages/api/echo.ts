export default function h(req, res) {
  res.json({
    method: req.method,
    url: req.url,
    body: req.body === undefined ? "<undefined>" : req.body,
    type: typeof req.body,
    cookies: req.cookies,
    query: req.query,
  });
}
