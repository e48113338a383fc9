import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

describe('browser-safe core', () => {
  for (const dir of ['runtime/data', 'runtime/train']) {
    it(`${dir} imports no Node-only modules, no npm packages and nothing from compiler/`, () => {
      const files = readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts'));
      expect(files.length).toBeGreaterThan(2);
      for (const f of files) {
        for (const spec of importsOf(join(root, dir, f))) {
          expect(spec.startsWith('.'), `${dir}/${f} imports "${spec}"`).toBe(true);
          expect(spec.includes('compiler/') || spec.includes('/node/'), `${dir}/${f} imports "${spec}"`).toBe(false);
        }
      }
    });
  }
});
