export default async () => ({ hello: "world" });
