export const config = { api: { bodyParser: { sizeLimit: 50 } } };

export default function h(req, res) { res.json({ len: String(req.body).length }); }
