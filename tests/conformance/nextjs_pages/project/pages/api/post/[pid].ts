export default function h(req, res) { res.json({ where: "pid", query: req.query, url: req.url }); }
