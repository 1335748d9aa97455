export const config = { api: { responseLimit: '1kb' } };

export default function h(req, res) { res.send("y".repeat(2048)); }
