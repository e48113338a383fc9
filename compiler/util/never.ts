/**
 * Exhaustiveness: call in the `default:` of a switch over a union's tag. If a case is missing, the
 * argument is not `never` and the call does not compile; at run time it throws (a value that the
 * types say cannot exist, e.g. from a stale artifact).
 */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
