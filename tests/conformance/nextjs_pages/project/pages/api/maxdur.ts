export const config = { maxDuration: 1 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export default async function h(req, res) {
  await sleep(3000);
  res.send("after 3s");
}
