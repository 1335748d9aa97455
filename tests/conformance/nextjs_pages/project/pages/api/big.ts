export default function h(req, res) { res.send("x".repeat(Number(req.query.n))); }
