export default function h(req, res) { res.json({ where: "optional", query: req.query, url: req.url }); }
