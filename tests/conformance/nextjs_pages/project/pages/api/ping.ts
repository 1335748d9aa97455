export default function h(req, res) { res.status(200).json({ ok: true }); }
