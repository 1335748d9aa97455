export default function h(req, res) { res.json({ where: "underscore", query: req.query, url: req.url }); }
