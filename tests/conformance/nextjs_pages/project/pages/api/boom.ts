export default function h(req, res) { throw new Error("boom sync"); }
