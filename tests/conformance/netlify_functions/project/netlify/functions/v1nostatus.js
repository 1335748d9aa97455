exports.handler = async () => ({ body: "no status" });
