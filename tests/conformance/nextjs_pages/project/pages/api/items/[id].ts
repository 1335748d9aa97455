export default function h(req, res) { res.json({ where: "dynamic", query: req.query, url: req.url }); }
