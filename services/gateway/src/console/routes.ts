import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

// The development console (/console): static files only. The page is a client of the public API and of the
// /api/v1/dev controls with a development token like any app; nothing here reads a store or a peer. Registered
// only beside the development token issuer (rest/routes/index.ts), and imported only then, so production has
// neither the routes nor this module.

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
// uPlot from the workspace's node_modules (the machine has no CDN; uPlot has no `exports` map, so its files resolve).
const uplot = (name: string) => fileURLToPath(import.meta.resolve(`uplot/dist/${name}`));

const files: Record<string, { path: string; type: string }> = {
  '/console': { path: here('index.html'), type: 'text/html; charset=utf-8' },
  '/console/': { path: here('index.html'), type: 'text/html; charset=utf-8' },
  '/console/console.js': { path: here('console.js'), type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { path: here('console.css'), type: 'text/css; charset=utf-8' },
  '/console/vendor/uPlot.esm.js': { path: uplot('uPlot.esm.js'), type: 'text/javascript; charset=utf-8' },
  '/console/vendor/uPlot.min.css': { path: uplot('uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

// Same origin only: scripts, styles and API calls all come from the gateway itself.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export async function consolePlugin(app: FastifyInstance): Promise<void> {
  for (const [url, file] of Object.entries(files)) {
    app.get(url, { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-type', file.type)
        // Read on every request (a handful of small files, development only): an edit shows on reload.
        .header('cache-control', 'no-cache')
        .header('content-security-policy', contentSecurityPolicy)
        .header('x-content-type-options', 'nosniff')
        .send(await readFile(file.path)),
    );
  }
}
