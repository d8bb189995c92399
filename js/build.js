// Builds the loader into composekit/static/composekit/ (committed: pip users have no npm).
//   node js/build.js          write the files
//   node js/build.js --check  build into a temp dir, fail naming each committed file that differs
// Output is reproducible: no timestamps, no absolute paths, fixed esbuild version.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'composekit/static/composekit');
const src = join(root, 'js/src');
const { version, license } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// The minified file goes without it: every byte of the drop-in script counts.
const banner = { js: `/*! composekit ${version} | ${license} */` };
// Private fields and methods stay native (no WeakMap helpers); everything else is ES2020.
const target = ['chrome91', 'edge91', 'firefox90', 'safari15'];
const common = {
  absWorkingDir: root,
  bundle: true,
  target,
  charset: 'utf8',
  legalComments: 'none',
  logLevel: 'warning',
  define: { __VERSION__: JSON.stringify(version) },
};
const outputs = {
  'composekit.js': { entryPoints: ['js/src/iife.js'], format: 'iife', banner },
  // Properties named with a trailing _ are internal (dedupe.js's entries): the drop-in script
  // shortens them. No public name (attribute, event, config key, API) may end in _.
  'composekit.min.js': { entryPoints: ['js/src/iife.js'], format: 'iife', minify: true, mangleProps: /_$/ },
  'composekit.esm.js': { entryPoints: ['js/src/index.js'], format: 'esm', banner },
};

export async function buildInto(dir) {
  for (const [name, options] of Object.entries(outputs)) {
    await build({ ...common, ...options, outfile: join(dir, name) });
  }
  copyFileSync(join(src, 'composekit.d.ts'), join(dir, 'composekit.d.ts'));
  return [...Object.keys(outputs), 'composekit.d.ts'];
}

if (process.argv.includes('--check')) {
  const tmp = mkdtempSync(join(tmpdir(), 'composekit-build-'));
  try {
    const stale = [];
    for (const name of await buildInto(tmp)) {
      const path = join(out, name);
      if (!existsSync(path)) stale.push(`missing: composekit/static/composekit/${name}`);
      else if (!readFileSync(path).equals(readFileSync(join(tmp, name)))) stale.push(`stale: composekit/static/composekit/${name}`);
    }
    for (const line of stale) console.error(`${line} (run npm run build and commit the result)`);
    if (stale.length) process.exit(1);
    console.log('build:check: committed files are up to date');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  for (const name of await buildInto(out)) console.log(`built composekit/static/composekit/${name}`);
}
