export default function h(req, res) { res.json({ where: "testfile", query: req.query, url: req.url }); }
