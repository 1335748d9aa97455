export default function h(req, res) {
  res.json({
    NODE_ENV: process.env.NODE_ENV,
    A: process.env.A ?? null,
    B: process.env.B ?? null,
    C: process.env.C ?? null,
    D: process.env.D ?? null,
    E: process.env.E ?? null,
    X: process.env.X ?? null,
  });
}
