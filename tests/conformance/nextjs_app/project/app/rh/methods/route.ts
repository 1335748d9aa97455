export function GET() { return new Response("m=GET"); }
export function POST() { return new Response("m=POST"); }
export function PUT() { return new Response("m=PUT"); }
export function PATCH() { return new Response("m=PATCH"); }
export function DELETE() { return new Response("m=DELETE"); }
