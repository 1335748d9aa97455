const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export default async function h(req, res) {
  await sleep(5);
  throw new Error("boom async");
}
