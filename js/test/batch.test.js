import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { batched, batchKey } from '../src/batch.js';
import { config } from '../src/config.js';

globalThis.document = { baseURI: 'https://shop.test/products/1/' };
globalThis.location = { origin: 'https://shop.test' };

afterEach(() => {
  config.batchUrl = '/_composekit/_batch/';
});
config.batchUrl = '/_composekit/_batch/';

const parts = (...answers) => Response.json(answers);
const html = (body) => new Response(body, { headers: { 'Content-Type': 'text/html' } });

// A stand-in element whose fetchFragment answers from `answer(url, init)`, recording calls.
function element(answer) {
  const calls = [];
  return {
    calls,
    getAttribute: () => null,
    hasAttribute: () => false,
    fetchFragment(url, init) {
      calls.push({ url, init });
      return Promise.resolve(answer(url, init));
    },
  };
}

// A deadline far enough for every answer here, near enough not to keep the test running long.
const part = (el, name, etag = null, signal = new AbortController().signal, deadline = Date.now() + 1000) =>
  batched(`${name}:T${name}`, `/_composekit/${name}/?p=T${name}`, el, signal, etag, deadline);

test('batchKey: fragment URLs under the batch prefix on its origin', () => {
  assert.equal(batchKey('/_composekit/cart-summary/?p=abc:sig'), 'cart-summary:abc:sig');
  assert.equal(batchKey('https://shop.test/_composekit/menu/?p=x:y'), 'menu:x:y');
  assert.equal(batchKey('https://other.test/_composekit/menu/?p=x:y'), '', 'another origin');
  assert.equal(batchKey('/elsewhere/menu/?p=x:y'), '', 'not under the prefix');
  assert.equal(batchKey('/_composekit/menu/?p=x:y&v=2'), '', 'another param');
  assert.equal(batchKey('/_composekit/menu/'), '', 'no params');
  assert.equal(batchKey('/_composekit/a/b/?p=x'), '', 'not a fragment path');
  assert.equal(batchKey(null), '');
  config.batchUrl = '';
  assert.equal(batchKey('/_composekit/menu/?p=x:y'), '', 'batching off');
});

test('loads started together share one GET, each answered by its own line', async () => {
  const el = element(() =>
    parts(
      { i: 1, status: 304, cache: 'private, max-age=60', etag: '"m1"', scopes: [] },
      {
        i: 0,
        status: 200,
        html: '<b>cart</b>',
        cache: 'private, max-age=300',
        etag: '"c1"',
        scopes: ['cart'],
        trigger: 'cart:shown',
      },
      { i: 2, status: 403 },
    ),
  );
  const [cart, menu, admin] = await Promise.allSettled([part(el, 'cart'), part(el, 'menu', '"m1"'), part(el, 'admin')]);
  assert.equal(el.calls.length, 1);
  const { url, init } = el.calls[0];
  assert.equal(url, 'https://shop.test/_composekit/_batch/?f=cart%3ATcart&f=menu%3ATmenu%21%22m1%22&f=admin%3ATadmin');
  assert.equal(init.credentials, 'same-origin');
  assert.equal(init.cache, 'no-store');
  assert.equal(init.headers.Accept, 'application/json');
  assert.deepEqual(cart.value, {
    html: '<b>cart</b>',
    isPublic: false,
    notModified: false,
    etag: '"c1"',
    maxAge: 300,
    scopes: ['cart'],
    triggers: ['cart:shown'],
  });
  assert.deepEqual(menu.value, {
    html: '',
    isPublic: false,
    notModified: true,
    etag: '"m1"',
    maxAge: 60,
    scopes: [],
    triggers: [],
  });
  assert.equal(admin.reason.message, 'HTTP 403');
  assert.equal(admin.reason.status, 403);
});

test('one load alone is a plain request', async () => {
  const el = element(() => html('<i>solo</i>'));
  const result = await part(el, 'solo');
  assert.equal(result.html, '<i>solo</i>');
  assert.deepEqual(
    el.calls.map((c) => c.url),
    ['/_composekit/solo/?p=Tsolo'],
  );
});

test('what the batch leaves unanswered, or answers 503, is fetched on its own', async () => {
  const el = element((url) =>
    url.includes('_batch') ? parts({ i: 0, status: 200, html: 'a' }, { i: 1, status: 503 }) : html('alone ' + url),
  );
  const [a, b, c] = await Promise.all([part(el, 'a'), part(el, 'b'), part(el, 'c')]);
  assert.equal(a.html, 'a');
  assert.equal(b.html, 'alone /_composekit/b/?p=Tb');
  assert.equal(c.html, 'alone /_composekit/c/?p=Tc');
  assert.equal(el.calls.length, 3);
});

for (const [why, answer] of [
  ['a 500', () => new Response('boom', { status: 500 })],
  ['HTML instead of lines', () => html('<p>login</p>')],
  ['a network error', () => Promise.reject(new TypeError('Failed to fetch'))],
  ['a cut-off body', () => new Response('[{"i": 0, "sta', { headers: { 'Content-Type': 'application/json' } })],
]) {
  test(`a batch failing with ${why} falls back to one request per part`, async () => {
    const el = element((url) => (url.includes('_batch') ? answer() : html('alone')));
    const results = await Promise.all([part(el, 'a'), part(el, 'b')]);
    assert.deepEqual(
      results.map((r) => r.html),
      ['alone', 'alone'],
    );
    assert.equal(el.calls.length, 3);
  });
}

test('parts nobody waits for are left out; the batch stops when none is left', async () => {
  const gone = new AbortController();
  const el = element((url, init) =>
    url.includes('_batch')
      ? new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(Error('aborted'))))
      : html('x'),
  );
  gone.abort();
  part(el, 'left', null, gone.signal);
  const one = new AbortController();
  const two = new AbortController();
  // Nobody waits for them: they fail at their deadline, and nobody hears it.
  part(el, 'a', null, one.signal).catch(() => {});
  part(el, 'b', null, two.signal).catch(() => {});
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(el.calls.length, 1);
  assert.ok(!el.calls[0].url.includes('left'));
  one.abort();
  assert.equal(el.calls[0].init.signal.aborted, false, 'b still waits');
  two.abort();
  assert.equal(el.calls[0].init.signal.aborted, true);
});

const hang = (init) =>
  new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));

test('a batch that hangs fails each part at its own deadline, with no request of its own', async () => {
  const el = element((_url, init) => hang(init));
  const t0 = Date.now();
  const failedAt = (promise) =>
    promise.then(
      () => assert.fail('answered'),
      (error) => [error.message, error.status, error.attempt, Date.now() - t0],
    );
  const [soon, later] = await Promise.all([
    failedAt(part(el, 'soon', null, undefined, Date.now() + 60)),
    failedAt(part(el, 'later', null, undefined, Date.now() + 200)),
  ]);
  assert.deepEqual(
    [soon.slice(0, 3), later.slice(0, 3)],
    [
      ['timeout', 0, 1],
      ['timeout', 0, 1],
    ],
  );
  assert.ok(soon[3] >= 55 && soon[3] < 180, `soon failed after ${soon[3]} ms`);
  assert.ok(later[3] >= 195 && later[3] < 400, `later failed after ${later[3]} ms`);
  assert.equal(el.calls.length, 1, 'the batch alone');
  assert.ok(el.calls[0].init.signal.aborted, 'aborted once no part waited for it');
});

test('a part the batch failed goes alone with what is left of its deadline', async () => {
  const el = element((url, init) =>
    url.includes('_batch')
      ? new Promise((r) => setTimeout(() => r(new Response('boom', { status: 500 })), 100))
      : hang(init),
  );
  const t0 = Date.now();
  const deadline = Date.now() + 300;
  const results = await Promise.allSettled([
    part(el, 'a', null, undefined, deadline),
    part(el, 'b', null, undefined, deadline),
  ]);
  const took = Date.now() - t0;
  assert.deepEqual(
    results.map((r) => r.reason.message),
    ['timeout', 'timeout'],
  );
  assert.ok(took >= 295 && took < 550, `failed after ${took} ms, not 100 + 300`);
  assert.deepEqual(
    el.calls.map((c) => c.url.replace(/\?.*/, '')),
    ['https://shop.test/_composekit/_batch/', '/_composekit/a/', '/_composekit/b/'],
  );
});
