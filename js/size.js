// npm run size: bytes of the drop-in script, raw and gzip -9 (the budget js/test/size.test.js enforces).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

for (const name of ['composekit.min.js', 'composekit.js', 'composekit.esm.js']) {
  const b = readFileSync(new URL(`../composekit/static/composekit/${name}`, import.meta.url));
  console.log(`${name.padEnd(20)} ${String(b.length).padStart(6)} B  ${String(gzipSync(b, { level: 9 }).length).padStart(5)} B gzip -9`);
}
