export default function h(req, res) {
  if (req.query.bad) return res.redirect(301, undefined);
  if (req.query.s) return res.redirect(Number(req.query.s), 'https://example.org/elsewhere?x=1');
  res.redirect('/landing');
}
