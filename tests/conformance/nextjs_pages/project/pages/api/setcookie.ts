export default function h(req, res) {
  res.setHeader("Set-Cookie", ["a=1; Path=/", "b=2; HttpOnly"]);
  res.setHeader("X-Custom", "yes");
  res.status(201).json({ set: true });
}
