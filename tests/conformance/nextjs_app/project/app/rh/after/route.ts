import { after } from "next/server";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function GET() {
  after(async () => {
    await sleep(200);
    console.log("after() callback ran");
  });
  return Response.json({ scheduled: true });
}
