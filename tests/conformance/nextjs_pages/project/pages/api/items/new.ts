export default function h(req, res) { res.json({ where: "static", query: req.query, url: req.url }); }
