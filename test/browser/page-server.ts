/** The browser tests' local HTTP server: serves the test page, its bundle and artifact files, cross-origin isolated. */
import { createServer, type Server } from 'node:http';
import { extname, normalize } from 'node:path';

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wgsl': 'text/plain', '.wasm': 'application/wasm', '.txt': 'text/plain; charset=utf-8' };

/** Serves what `files` returns for a path (undefined: 404), with COOP/COEP (threaded WASM needs them). */
export function serve(files: (path: string) => Promise<Uint8Array | string | undefined>): Promise<Server> {
  const server = createServer(async (req, res) => {
    const asked = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const path = asked === '/' ? '/index.html' : asked;
    const body = path.includes('..') ? undefined : await files(path).catch(() => undefined);
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' };
    if (body === undefined) {
      res.writeHead(404, headers).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}
