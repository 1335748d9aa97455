export default function h(req, res) { res.json({ where: "catchall", query: req.query, url: req.url }); }
