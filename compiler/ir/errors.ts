/**
 * Build-time errors that point at the user's code: every graph error carries the call site of
 * the frontend call that created the offending node (the first stack frame outside compiler/).
 */
const internalFrame = /[\\/]compiler[\\/]|node:internal|node_modules|<anonymous>/;

export function userCallSite(): string | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const line of stack) {
    if (!internalFrame.test(line)) return line.trim().replace(/^at\s+/, '');
  }
  return undefined;
}

export class GraphError extends Error {
  constructor(message: string, readonly site?: string) {
    super(site ? `${message}\n    at ${site}` : message);
    this.name = 'GraphError';
  }
}
