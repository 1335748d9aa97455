export default function h(req, res) {
  res.status(202).setHeader("X-Before", "1");
  res.write("partial");
  throw new Error("boom after write");
}
