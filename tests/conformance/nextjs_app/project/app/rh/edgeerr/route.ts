export const runtime = "edge";

export function GET() {
  throw new Error("edge boom");
}
