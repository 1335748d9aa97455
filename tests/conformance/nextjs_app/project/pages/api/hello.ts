export default function h(req, res) {
  res.json({ from: "pages" });
}
