/**
 * Prepares the playground's char-gpt panel text (run by `npm run playground` / `playground:build`):
 *   public/gpt/corpus.txt   the first PANEL_TEXT_CHARS characters of Debian's fortunes (the corpus
 *                           `axon train char-gpt` reads by default), cut at a fortune boundary
 * The browser test (test/browser/char-gpt.test.ts) trains on the same excerpt.
 * Usage: tsx web/playground/scripts/prepare-gpt-text.ts [--data FILE]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadTextCorpus } from '../../../runtime/node/text-corpus.ts';

/** a few tens of KB: enough text that 8 × 33-character windows per step do not repeat soon */
export const PANEL_TEXT_CHARS = 48_000;

/** The panel's excerpt of the corpus (fortunes unless `file` is given), ending after a whole fortune ("%" line). */
export function panelText(file?: string): { text: string; source: string } {
  const { text, source } = loadTextCorpus(file);
  const chars = Array.from(text);
  if (chars.length <= PANEL_TEXT_CHARS) return { text, source };
  const head = chars.slice(0, PANEL_TEXT_CHARS).join('');
  const cut = head.lastIndexOf('\n%\n');
  return { text: cut > 0 ? head.slice(0, cut + 3) : head, source };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { data: { type: 'string' } } });
  const outDir = fileURLToPath(new URL('../public/gpt/', import.meta.url));
  const { text, source } = panelText(values.data);
  await mkdir(outDir, { recursive: true });
  await writeFile(`${outDir}corpus.txt`, text);
  console.log(`char-gpt panel: ${text.length} characters of ${source} → ${outDir}corpus.txt`);
}
