export default function h(req, res) { res.json({ where: "dynamic", url: req.url, query: req.query }); }
