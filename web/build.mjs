// Builds the member page's one ES module with the pinned esbuild and writes it as
// package data (static/holdspace.js); then pins its SHA-256 in join.html
// (Subresource Integrity) and records what it was built from (build.json), so a
// test without npm can tell when the committed bundle is older than its sources.
// Usage: node build.mjs [OUTDIR]   (default: static/)
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const here = new URL('.', import.meta.url).pathname;
const outdir = process.argv[2] || join(here, 'static');

await build({
  entryPoints: [join(here, 'src/main.js')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none', // the licences are committed beside the bundle (static/licenses/)
  charset: 'utf8',
  outfile: join(outdir, 'holdspace.js'),
  logLevel: 'warning',
});

// The licences of what the bundle contains, served and exported beside it.
const LICENCES = { 'libsodium': 'libsodium/LICENSE', 'libsodium-wrappers': 'libsodium-wrappers/LICENSE',
  'msgpack': '@msgpack/msgpack/LICENSE' };
mkdirSync(join(outdir, 'licenses'), { recursive: true });
for (const [name, file] of Object.entries(LICENCES)) {
  copyFileSync(join(here, 'node_modules', file), join(outdir, 'licenses', `${name}.txt`));
}

const sha256 = (data) => createHash('sha256').update(data);
const bundle = readFileSync(join(outdir, 'holdspace.js'));
const integrity = `sha256-${sha256(bundle).digest('base64')}`;
const page = join(outdir, 'join.html');
const html = readFileSync(join(here, 'static/join.html'), 'utf8')
  .replace(/integrity="sha256-[^"]*"/, `integrity="${integrity}"`);
writeFileSync(page, html);

// What the bundle is built from: every source file and the lockfile, in order.
const sources = ['package-lock.json', 'build.mjs', ...readdirSync(join(here, 'src')).sort().map((f) => `src/${f}`)];
const inputs = sha256('');
for (const file of sources) inputs.update(`${file}\0`).update(readFileSync(join(here, file))).update('\0');
writeFileSync(join(outdir, 'build.json'), `${JSON.stringify({
  sources: inputs.digest('hex'), bundle: sha256(bundle).digest('hex'), files: sources,
}, null, 2)}\n`);
console.log(`holdspace.js ${bundle.length} bytes, sha256 ${sha256(bundle).digest('hex')}`);
