export default function h(req, res) { res.json({ where: "only-src" }); }
