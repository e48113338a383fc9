/** A tiny indented-source builder for generated AssemblyScript. */
export class Source {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text: string): this {
    this.lines.push('  '.repeat(this.depth) + text);
    return this;
  }

  open(text: string): this {
    this.line(`${text} {`);
    this.depth++;
    return this;
  }

  close(suffix = ''): this {
    this.depth--;
    return this.line(`}${suffix}`);
  }

  toString(): string {
    return this.lines.join('\n');
  }
}
