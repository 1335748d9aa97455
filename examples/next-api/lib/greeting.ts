// Shared code imported through the tsconfig alias `@/lib/greeting`.
export function greeting(name: string): string {
  return `Hello, ${name}!`;
}
