export default function h(req, res) {
  res.write("started ");
  let err = "none";
  try {
    res.status(500);
    res.setHeader("X-Late", "1");
  } catch (e) {
    err = e.code;
  }
  res.end("status-now=" + res.statusCode + " err=" + err);
}
