export default function h(req, res) { }
