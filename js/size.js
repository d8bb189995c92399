// npm run size: bytes of the built files, raw and gzip -9: Node's zlib, and the gzip command when
// there is one (what js/test/size.test.js budgets; it adds the file name to its header).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const pad = (n, w) => String(n).padStart(w);
for (const name of [
  'composekit.min.js',
  'composekit.js',
  'composekit.esm.js',
  'composekit-live.min.js',
  'composekit-live.esm.js',
]) {
  const path = fileURLToPath(new URL(`../composekit/static/composekit/${name}`, import.meta.url));
  const b = readFileSync(path);
  const cli = spawnSync('gzip', ['-9', '-c', path]);
  const gzip = cli.error || cli.status !== 0 ? '(no gzip command)' : `${pad(cli.stdout.length, 5)} B gzip -9 command`;
  console.log(
    `${name.padEnd(20)} ${pad(b.length, 6)} B  ${pad(gzipSync(b, { level: 9 }).length, 5)} B Node gzip -9  ${gzip}`,
  );
}
