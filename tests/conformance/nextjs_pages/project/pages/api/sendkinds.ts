import { Readable } from "stream";

const V = {
  string: "plain words",
  object: { a: 1 },
  array: [1, "two"],
  buffer: Buffer.from("bytes!"),
  number: 42,
  false: false,
  zero: 0,
  null: null,
  undefined: undefined,
  empty: "",
  unicode: "héllo ✓",
};

export default function h(req, res) {
  const kind = req.query.kind;
  if (kind === "json-null") return res.json(null);
  if (kind === "json-string") return res.json("a string");
  if (kind === "json-undefined") return res.json(undefined);
  if (kind === "ct-object") {
    res.setHeader("Content-Type", "text/custom");
    return res.send({ x: 1 });
  }
  if (kind === "ct-string") {
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    return res.send("typed");
  }
  if (kind === "204body") {
    res.status(204);
    return res.send("ignored");
  }
  if (kind === "stream") return res.send(Readable.from(["s1", "s2"]));
  res.send(V[kind]);
}
