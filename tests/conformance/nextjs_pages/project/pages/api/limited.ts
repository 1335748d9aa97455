export const config = { api: { bodyParser: { sizeLimit: '100b' } } };

export default function h(req, res) { res.json({ got: req.body }); }
