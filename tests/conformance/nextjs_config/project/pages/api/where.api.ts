export default function h(req, res) { res.json({ where: "root-pages", url: req.url, query: req.query }); }
