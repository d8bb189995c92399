// The drop-in script's budget: gzip -9 of the committed minified IIFE.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

const BUDGET = 1800;
const dir = new URL('../../composekit/static/composekit/', import.meta.url);

test(`composekit.min.js is at most ${BUDGET} bytes gzipped`, (t) => {
  const min = readFileSync(new URL('composekit.min.js', dir));
  const size = gzipSync(min, { level: 9 }).length;
  t.diagnostic(`composekit.min.js: ${min.length} bytes, ${size} bytes gzip -9 (budget ${BUDGET})`);
  assert.ok(size <= BUDGET, `${size} > ${BUDGET} bytes gzipped`);
});

test('the built files carry the package version', () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.match(readFileSync(new URL('composekit.min.js', dir), 'utf8'), new RegExp(`version:"${version.replace(/\./g, '\\.')}"`));
  assert.match(readFileSync(new URL('composekit.esm.js', dir), 'utf8'), new RegExp(`version = "${version.replace(/\./g, '\\.')}"`));
});
