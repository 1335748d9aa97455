export function handler(req, res) { res.send("named only"); }
