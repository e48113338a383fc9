/** `axon --version` and every command's --help list the flags the commands read. */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { AXON_VERSION } from '../../compiler/index.ts';
import { buildProgram } from '../../cli/main.ts';

const HELP: Record<string, string[]> = {
  compile: ['--backend', '--out', '--batch-size', '--train', '--lr', '--seed', '--hidden', '--option', '--json'],
  run: ['--input', '--inputs', '--threads', '--repeat', '--json'],
  train: ['--epochs', '--batch-size', '--lr', '--hidden', '--option', '--epsilon', '--no-pictures', '--no-dead-relu', '--limit'],
  explain: ['--train', '--batch-size', '--hidden', '--option', '--json'],
  eval: ['--checkpoint', '--hidden', '--epsilon', '--no-pictures', '--no-dead-relu', '--out'],
  gradcheck: ['--batch-size', '--elements', '--tolerance', '--eps', '--params', '--seed', '--data-inputs', '--hidden', '--json'],
  search: ['--lr', '--batch-size', '--hidden', '--option', '--random', '--epochs', '--limit', '--seed', '--out', '--json'],
};

describe('axon CLI surface', () => {
  it('--version prints the compiler version', () => {
    const bin = resolve(import.meta.dirname, '../../bin/axon.mjs');
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toBe(AXON_VERSION);
  });

  it.each(Object.entries(HELP))('%s --help lists its flags', (name, expected) => {
    const cmd = buildProgram({ value: 0 }).commands.find((c) => c.name() === name)!;
    const help = cmd.helpInformation();
    for (const f of expected) expect(help).toContain(f);
    // no two flags write the same property of the command's flag object
    const attrs = cmd.options.map((o) => o.attributeName());
    expect(attrs.length).toBe(new Set(attrs).size);
  });
});
