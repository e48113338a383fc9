/**
 * Loads a UTF-8 text corpus for char-gpt: a file given with --data, or by default Debian's
 * `fortunes` package (every plain fortune file under /usr/share/games/fortunes, in name order).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const FORTUNES_DIR = '/usr/share/games/fortunes';

export function loadTextCorpus(file?: string): { text: string; source: string } {
  if (file) {
    if (!existsSync(file)) throw new Error(`text corpus: no file ${file}`);
    const st = statSync(file);
    const paths = st.isDirectory() ? readdirSync(file).sort().map((n) => join(file, n)).filter((p) => statSync(p).isFile()) : [file];
    return { text: paths.map((p) => readUtf8(p)).join('\n'), source: file };
  }
  if (!existsSync(FORTUNES_DIR)) {
    throw new Error(`text corpus: ${FORTUNES_DIR} is missing; install Debian's fortunes package (sudo apt-get install fortunes, or bash scripts/setup-system.sh), or pass --data FILE with any UTF-8 text`);
  }
  // the plain fortune files: not the .dat indexes, not the .u8 links to the same files
  const names = readdirSync(FORTUNES_DIR).filter((n) => !n.includes('.')).sort();
  const paths = names.map((n) => join(FORTUNES_DIR, n)).filter((p) => statSync(p).isFile());
  if (!paths.length) throw new Error(`text corpus: no fortune files in ${FORTUNES_DIR}; reinstall the fortunes package or pass --data FILE`);
  return { text: paths.map((p) => readUtf8(p)).join(''), source: `${FORTUNES_DIR} (${paths.length} files)` };
}

function readUtf8(path: string): string {
  const bytes = readFileSync(path);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`text corpus: ${path} is not valid UTF-8`);
  }
}
