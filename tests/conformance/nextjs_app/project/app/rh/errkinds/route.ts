const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function GET(req) {
  const kind = req.nextUrl.searchParams.get("kind");
  if (kind === "async") {
    await sleep(5);
    throw new Error("async boom");
  }
  if (kind === "string") throw "a thrown string";
  if (kind === "reject") return Promise.reject(new Error("rejected"));
  return new Response("no error");
}

export async function POST() {
  throw new Error("post boom");
}
