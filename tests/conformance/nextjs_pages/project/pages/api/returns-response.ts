export default function h() { return new Response("web response"); }
