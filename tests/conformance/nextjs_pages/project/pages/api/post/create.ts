export default function h(req, res) { res.json({ where: "create", query: req.query, url: req.url }); }
