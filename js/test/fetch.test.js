import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { config } from '../src/config.js';
import { request as deadlineRequest } from '../src/fetch.js';

// request() as load.js makes it: the deadline config.timeout from now unless given.
const fullRequest = (url, el, signal, fresh = false, etag = null, deadline = Date.now() + config.timeout) =>
  deadlineRequest(url, el, signal, fresh, deadline, etag);

// The response text alone; isPublic has its own test.
const request = async (...args) => (await fullRequest(...args)).html;

// The page request() resolves against; a stub, not a DOM.
globalThis.document = { baseURI: 'https://shop.test/products/1/' };
globalThis.location = { origin: 'https://shop.test' };

const html = (body, init = {}) =>
  new Response(body, { ...init, headers: { 'Content-Type': 'text/html; charset=utf-8', ...init.headers } });

// A stand-in element: fetchFragment answers from a list, recording each call.
function element(answers, attrs = {}) {
  const calls = [];
  return {
    calls,
    getAttribute: (n) => attrs[n] ?? null,
    fetchFragment(url, init) {
      calls.push({ url, init });
      const a = answers[Math.min(calls.length, answers.length) - 1];
      return typeof a === 'function' ? a(init) : a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  };
}

const saved = { ...config };
let random;
beforeEach(() => {
  random = Math.random;
  Math.random = () => 0; // shortest backoff: 150 ms, then 300 ms
});
afterEach(() => {
  Object.assign(config, saved);
  Math.random = random;
});

test('GET with Accept: text/html, same-origin credentials and a signal', async () => {
  const el = element([html('<p>hi</p>')]);
  assert.equal(await request('/_composekit/cart/?p=x', el, new AbortController().signal), '<p>hi</p>');
  assert.equal(el.calls.length, 1);
  const { url, init } = el.calls[0];
  assert.equal(url, '/_composekit/cart/?p=x');
  assert.equal(init.method ?? 'GET', 'GET');
  assert.equal(init.credentials, 'same-origin');
  assert.deepEqual(init.headers, { Accept: 'text/html' });
  assert.ok(init.signal instanceof AbortSignal);
});

test('an allowed cross origin is fetched with credentials: include', async () => {
  config.allowedOrigins = ['https://fragments.test'];
  const el = element([html('x')]);
  await request('https://fragments.test/f/', el, new AbortController().signal);
  assert.equal(el.calls[0].init.credentials, 'include');
});

test('another origin is refused without a request', async () => {
  const el = element([html('x')]);
  await assert.rejects(request('https://evil.test/f/', el, new AbortController().signal), { message: 'src refused' });
  assert.equal(el.calls.length, 0);
});

test('an empty body is a valid fragment', async () => {
  assert.equal(await request('/f/', element([html('')]), new AbortController().signal), '');
});

test('503 with Retry-After is retried, then succeeds', async () => {
  const el = element([html('busy', { status: 503, headers: { 'Retry-After': '0' } }), html('ok')]);
  assert.equal(await request('/f/', el, new AbortController().signal), 'ok');
  assert.equal(el.calls.length, 2);
});

test('502, 503 and 504 are retried up to config.retries, then fail with the last status', async () => {
  for (const status of [502, 503, 504]) {
    const el = element([html('x', { status, headers: { 'Retry-After': '0' } })]);
    await assert.rejects(request('/f/', el, new AbortController().signal), {
      message: `HTTP ${status}`,
      status,
      attempt: 3,
    });
    assert.equal(el.calls.length, 3);
  }
});

test('Retry-After is honoured', async () => {
  const el = element([html('x', { status: 503, headers: { 'Retry-After': '1' } }), html('ok')]);
  const t0 = Date.now();
  assert.equal(await request('/f/', el, new AbortController().signal), 'ok');
  assert.ok(Date.now() - t0 >= 990, 'waited about a second');
});

test('other statuses are never retried', async () => {
  for (const status of [400, 401, 403, 404, 405, 429, 500, 501]) {
    const el = element([html('x', { status }), html('ok')]);
    await assert.rejects(request('/f/', el, new AbortController().signal), {
      message: `HTTP ${status}`,
      status,
      attempt: 1,
    });
    assert.equal(el.calls.length, 1, `${status} retried`);
  }
});

test('a network error is retried with backoff, then fails with status 0', async () => {
  config.retries = 1;
  const el = element([new TypeError('Failed to fetch')]);
  const t0 = Date.now();
  await assert.rejects(request('/f/', el, new AbortController().signal), {
    name: 'TypeError',
    status: 0,
    attempt: 2,
  });
  assert.equal(el.calls.length, 2);
  assert.ok(Date.now() - t0 >= 140, 'backed off');
});

test('a redirected response is an error, not retried', async () => {
  const redirected = Object.assign(html('<form>login</form>'), {});
  Object.defineProperty(redirected, 'redirected', { value: true });
  const el = element([redirected]);
  await assert.rejects(request('/f/', el, new AbortController().signal), {
    message: 'redirected',
    status: 200,
    attempt: 1,
  });
  assert.equal(el.calls.length, 1);
});

test('a response that is not text/html is an error, not retried', async () => {
  const el = element([new Response('{}', { headers: { 'Content-Type': 'application/json' } })]);
  await assert.rejects(request('/f/', el, new AbortController().signal), {
    message: 'not text/html',
    status: 200,
    attempt: 1,
  });
});

const hang = (init) =>
  new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));

// A fake fetch that never answers, as a hung backend: it ends only when aborted.
const since = (t0) => Date.now() - t0;

test('a fetch that never answers fails at the deadline, however many retries are allowed', async () => {
  config.retries = 5;
  const el = element([hang]);
  const t0 = Date.now();
  await assert.rejects(fullRequest('/f/', el, new AbortController().signal, false, null, Date.now() + 60), {
    message: 'timeout',
    status: 0,
    attempt: 1,
  });
  assert.ok(since(t0) >= 55 && since(t0) < 300, `failed after ${since(t0)} ms`);
  assert.equal(el.calls.length, 1, 'no retry: the deadline has passed');
  assert.ok(el.calls[0].init.signal.aborted);
});

test('attempts share the deadline: a retry gets what is left of it', async () => {
  // A network error at once, a retry after 150 ms of backoff that hangs: aborted at the deadline.
  const el = element([new TypeError('Failed to fetch'), hang]);
  const t0 = Date.now();
  await assert.rejects(fullRequest('/f/', el, new AbortController().signal, false, null, Date.now() + 400), {
    message: 'timeout',
    status: 0,
    attempt: 2,
  });
  assert.ok(since(t0) >= 395 && since(t0) < 650, `failed after ${since(t0)} ms`);
  assert.equal(el.calls.length, 2);
});

test('a retry whose backoff would end past the deadline is not made', async () => {
  const el = element([html('busy', { status: 503, headers: { 'Retry-After': '1' } }), html('ok')]);
  const t0 = Date.now();
  await assert.rejects(fullRequest('/f/', el, new AbortController().signal, false, null, Date.now() + 500), {
    message: 'HTTP 503',
    status: 503,
    attempt: 1,
  });
  assert.ok(since(t0) < 250, `failed after ${since(t0)} ms, not at the deadline`);
  assert.equal(el.calls.length, 1);
});

test('a request whose deadline has passed fails at once', async () => {
  const el = element([hang]);
  const t0 = Date.now();
  await assert.rejects(fullRequest('/f/', el, new AbortController().signal, false, null, Date.now() - 1), {
    message: 'timeout',
    status: 0,
    attempt: 1,
  });
  assert.ok(since(t0) < 100, `failed after ${since(t0)} ms`);
});

test('aborting stops the call in flight and any retry', async () => {
  const c = new AbortController();
  const el = element([hang]);
  const p = request('/f/', el, c.signal);
  await new Promise((r) => setTimeout(r, 10));
  c.abort();
  assert.ok(el.calls[0].init.signal.aborted, 'in-flight call aborted');
  await p.catch(() => {});
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(el.calls.length, 1, 'no retry after abort');
});

test('aborting during the backoff prevents the retry', async () => {
  const c = new AbortController();
  const el = element([new TypeError('Failed to fetch'), html('ok')]);
  const p = request('/f/', el, c.signal);
  await new Promise((r) => setTimeout(r, 20));
  c.abort();
  await p.catch(() => {});
  assert.equal(el.calls.length, 1);
});

test('the caching facts come from the headers', async () => {
  const signal = new AbortController().signal;
  const answer = async (headers) => {
    const { html, ...facts } = await fullRequest('/f/', element([html_('x', { headers })]), signal);
    assert.equal(html, 'x');
    return facts;
  };
  const html_ = html;
  assert.deepEqual(await answer({ 'Cache-Control': 'public, max-age=5, s-maxage=10' }), {
    isPublic: true,
    notModified: false,
    etag: null,
    maxAge: 0,
    scopes: null,
    triggers: [],
  });
  assert.deepEqual(
    await answer({ 'Cache-Control': 'Private, max-age=300', ETag: '"v1"', 'CK-Scopes': 'cart, wishlist' }),
    {
      isPublic: false,
      notModified: false,
      etag: '"v1"',
      maxAge: 300,
      scopes: ['cart', 'wishlist'],
      triggers: [],
    },
  );
  assert.deepEqual(await answer({ 'Cache-Control': 'private, no-cache', ETag: '"v2"', 'CK-Scopes': '' }), {
    isPublic: false,
    notModified: false,
    etag: '"v2"',
    maxAge: 0,
    scopes: [],
    triggers: [],
  });
  assert.deepEqual(await answer({ 'Cache-Control': 'no-store', ETag: '"v3"' }), {
    isPublic: false,
    notModified: false,
    etag: null,
    maxAge: 0,
    scopes: null,
    triggers: [],
  });
  assert.deepEqual(await answer({}), {
    isPublic: false,
    notModified: false,
    etag: null,
    maxAge: 0,
    scopes: null,
    triggers: [],
  });
  assert.deepEqual((await answer({ 'CK-Trigger': 'cart:changed, stock:low' })).triggers, ['cart:changed', 'stock:low']);
});

test('with an etag it asks If-None-Match and takes a 304 as not modified', async () => {
  const el = element([
    new Response(null, { status: 304, headers: { ETag: '"v1"', 'Cache-Control': 'private, max-age=60' } }),
  ]);
  const result = await fullRequest('/f/', el, new AbortController().signal, false, '"v1"');
  assert.equal(el.calls[0].init.headers['If-None-Match'], '"v1"');
  assert.deepEqual(result, {
    html: '',
    isPublic: false,
    notModified: true,
    etag: '"v1"',
    maxAge: 60,
    scopes: null,
    triggers: [],
  });
});

test('a 304 nobody asked for is an error', async () => {
  const el = element([new Response(null, { status: 304 })]);
  await assert.rejects(fullRequest('/f/', el, new AbortController().signal), {
    message: 'HTTP 304',
    status: 304,
    attempt: 1,
  });
});
