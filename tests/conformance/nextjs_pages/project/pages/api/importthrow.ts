throw new Error("import time failure");

export default function h(req, res) { res.send("never"); }
