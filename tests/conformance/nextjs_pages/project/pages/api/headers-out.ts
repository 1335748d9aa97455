export default function h(req, res) {
  res.setHeader("Cache-Control", "s-maxage=60");
  res.setHeader("Vary", "Origin");
  res.setHeader("X-Powered-By", "me");
  res.json({ h: 1 });
}
