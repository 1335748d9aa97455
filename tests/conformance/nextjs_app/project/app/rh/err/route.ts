export function GET() {
  throw new Error("route handler boom");
}
