import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { config } from '../src/config.js';
import { obtain } from '../src/load.js';

const stored = new Map();
globalThis.localStorage = {
  getItem: (k) => stored.get(k) ?? null,
  setItem: (k, v) => stored.set(k, String(v)),
};
globalThis.document = { baseURI: 'https://shop.test/', cookie: 'ck_identity=alice; ck_gen=@:a.*:b.cart:c' };
globalThis.location = { origin: 'https://shop.test' };
config.batchUrl = '/_composekit/_batch/';

const html = (body, headers = {}) => new Response(body, { headers: { 'Content-Type': 'text/html', ...headers } });

// A stand-in element with attributes, answering fetches from `answer(url, init)`.
function element(answer, attrs = {}) {
  const calls = [];
  return {
    calls,
    getAttribute: (n) => attrs[n] ?? null,
    hasAttribute: (n) => n in attrs,
    fetchFragment(url, init) {
      calls.push({ url, init });
      return Promise.resolve(answer(url, init));
    },
  };
}
const signal = () => new AbortController().signal;

beforeEach(() => stored.clear());
const saved = { ...config };
afterEach(() => Object.assign(config, saved));

test('a kept fragment still fresh is used without a request; a reload asks', async () => {
  const el = element(() =>
    html('<b>2</b>', { 'Cache-Control': 'private, max-age=300', ETag: '"c2"', 'CK-Scopes': 'cart' }),
  );
  const src = '/_composekit/cart/?p=x:y';
  assert.equal((await obtain(src, el, signal(), false)).html, '<b>2</b>');
  assert.equal((await obtain(src, el, signal(), false)).html, '<b>2</b>');
  assert.equal(el.calls.length, 1, 'the second view asked nothing');
  await obtain(src, el, signal(), true);
  assert.equal(el.calls.length, 2);
  assert.equal(el.calls[1].init.headers['If-None-Match'], '"c2"', 'the reload revalidates');
});

test('a kept fragment gone stale is revalidated; a 304 reuses its HTML', async () => {
  let n = 0;
  const el = element(() =>
    n++ === 0
      ? html('<i>menu</i>', { 'Cache-Control': 'private, no-cache', ETag: '"m1"', 'CK-Scopes': '' })
      : new Response(null, { status: 304, headers: { ETag: '"m1"', 'Cache-Control': 'private, no-cache' } }),
  );
  const src = '/_composekit/menu/?p=x:y';
  await obtain(src, el, signal(), false);
  const again = await obtain(src, el, signal(), false);
  assert.equal(again.html, '<i>menu</i>');
  assert.equal(again.notModified, true);
  assert.equal(el.calls[1].init.headers['If-None-Match'], '"m1"');
});

test('a write to its scope makes the next view fetch it', async () => {
  const el = element(() => html('cart', { 'Cache-Control': 'private, max-age=300', 'CK-Scopes': 'cart' }));
  const src = '/_composekit/cart/?p=x:y';
  await obtain(src, el, signal(), false);
  document.cookie = 'ck_identity=alice; ck_gen=@:z.*:b.cart:new';
  await obtain(src, el, signal(), false);
  assert.equal(el.calls.length, 2);
});

test('public fragments are neither batched nor kept; batch="off" goes alone', async () => {
  const answer = (url) =>
    url.includes('_batch') ? Response.json([]) : html('x', { 'Cache-Control': 'public, max-age=60' });
  const pub = element(answer, { public: '' });
  const solo = element(answer, { batch: 'off' });
  const plain = element(answer);
  await Promise.all([
    obtain('/_composekit/prices/?p=1:s', pub, signal(), false),
    obtain('/_composekit/slow/?p=2:s', solo, signal(), false),
    obtain('/_composekit/plain/?p=3:s', plain, signal(), false),
  ]);
  assert.deepEqual(
    pub.calls.map((c) => c.url),
    ['/_composekit/prices/?p=1:s'],
  );
  assert.deepEqual(
    solo.calls.map((c) => c.url),
    ['/_composekit/slow/?p=2:s'],
  );
  assert.equal(stored.size, 0, 'public answers are left to shared caches');
});

test('private fragments starting together go in one batch and are kept', async () => {
  const el = element(() =>
    Response.json([
      { i: 0, status: 200, html: 'A', cache: 'private, max-age=60', etag: '"a"', scopes: null },
      { i: 1, status: 200, html: 'B', cache: 'private, max-age=60', etag: '"b"', scopes: ['cart'] },
    ]),
  );
  const [a, b] = await Promise.all([
    obtain('/_composekit/a/?p=1:s', el, signal(), false),
    obtain('/_composekit/b/?p=2:s', el, signal(), false),
  ]);
  assert.deepEqual([a.html, b.html], ['A', 'B']);
  assert.equal(el.calls.length, 1);
  assert.ok(el.calls[0].url.startsWith('https://shop.test/_composekit/_batch/?f=a%3A1%3As&f=b%3A2%3As'));
  assert.equal([...stored.keys()].filter((k) => k.startsWith('composekit:fragment:')).length, 2);
});

// A backend that hangs: the fake fetch never answers, it ends only when aborted.
const hang = (_url, init) =>
  new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));

test('the timeout attribute, else config.timeout, is the deadline of the whole load', async () => {
  config.retries = 2;
  for (const [attrs, timeout, expected] of [
    [{ timeout: '80', batch: 'off' }, 5000, 80],
    [{ batch: 'off' }, 60, 60],
  ]) {
    config.timeout = timeout;
    const el = element(hang, attrs);
    const t0 = Date.now();
    await assert.rejects(obtain('/_composekit/slow/?p=1:s', el, signal(), false), { message: 'timeout', attempt: 1 });
    const took = Date.now() - t0;
    assert.ok(took >= expected - 5 && took < expected + 250, `failed after ${took} ms, deadline ${expected} ms`);
    assert.equal(el.calls.length, 1);
  }
});

test('a batch that hangs fails its parts at the deadline, with no single requests after it', async () => {
  config.timeout = 80;
  const el = element(hang);
  const t0 = Date.now();
  const results = await Promise.allSettled([
    obtain('/_composekit/a/?p=1:s', el, signal(), false),
    obtain('/_composekit/b/?p=2:s', el, signal(), false),
  ]);
  const took = Date.now() - t0;
  assert.deepEqual(
    results.map((r) => [r.status, r.reason.message]),
    [
      ['rejected', 'timeout'],
      ['rejected', 'timeout'],
    ],
  );
  assert.ok(took >= 75 && took < 330, `failed after ${took} ms`);
  assert.equal(el.calls.length, 1, 'the batch alone: its fallback shares the deadline');
});
