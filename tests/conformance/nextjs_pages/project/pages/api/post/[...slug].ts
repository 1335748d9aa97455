export default function h(req, res) { res.json({ where: "slug", query: req.query, url: req.url }); }
