export default function h(req, res) {
  const pick = (k) => req.headers[k] ?? null;
  res.json({
    keys: Object.keys(req.headers),
    xff: pick("x-forwarded-for"),
    xfh: pick("x-forwarded-host"),
    xfp: pick("x-forwarded-proto"),
    xfport: pick("x-forwarded-port"),
    raw: req.rawHeaders.length / 2,
  });
}
