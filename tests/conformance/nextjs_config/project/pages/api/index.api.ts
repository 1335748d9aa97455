export default function h(req, res) { res.json({ where: "index", url: req.url }); }
