export default function h(req, res) { res.redirect("/landing"); }
