export default function h(req, res) {
  const c = req.query.code;
  res.status(c === "str" ? "201" : Number(c)).send("code " + c);
}
