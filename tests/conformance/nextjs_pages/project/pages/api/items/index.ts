export default function h(req, res) { res.json({ where: "index", query: req.query, url: req.url }); }
