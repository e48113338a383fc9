/**
 * Build-time errors that point at the user's code: every graph error carries the call site of
 * the frontend call that created the offending node (the first stack frame outside compiler/).
 */
// a bare "at <anonymous>" has no location; top-level module code prints "at <anonymous> (file:line:col)" and counts
const internalFrame = /[\\/]compiler[\\/]|node:internal|node_modules|^\s*at <anonymous>\s*$/;

function firstUserFrame(stack: string | undefined): string | undefined {
  for (const line of stack?.split('\n').slice(1) ?? []) {
    if (!internalFrame.test(line)) return line.trim().replace(/^at\s+/, '');
  }
  return undefined;
}

export function userCallSite(): string | undefined {
  return firstUserFrame(new Error().stack);
}

/**
 * A call site captured cheaply: V8 records the frames when the Error is made, but formats the
 * stack only when `location` is read — which happens only when an error message needs it.
 */
export class CallSite {
  private readonly error = new Error();
  private text: string | undefined | null = null;
  get location(): string | undefined {
    if (this.text === null) this.text = firstUserFrame(this.error.stack);
    return this.text;
  }
}

export class GraphError extends Error {
  constructor(message: string, readonly site?: string) {
    super(site ? `${message}\n    at ${site}` : message);
    this.name = 'GraphError';
  }
}
