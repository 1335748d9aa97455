export const config = { api: { bodyParser: false } };

export default async function h(req, res) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const b = Buffer.concat(chunks);
  res.json({
    bytes: b.length,
    body: req.body === undefined ? "<undefined>" : req.body,
    head: b.subarray(0, 20).toString(),
  });
}
