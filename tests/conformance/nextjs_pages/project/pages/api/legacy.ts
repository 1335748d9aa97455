export const config = { type: "experimental-background", schedule: "@daily" };

export default function h(req, res) { res.send("legacy ok"); }
