import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clear, shared as sharedResponse } from '../src/dedupe.js';

// The shared response's text (its isPublic is fetch.test.js's concern).
const shared = async (...args) => (await sharedResponse(...args)).html;

globalThis.document = { baseURI: 'https://shop.test/', cookie: '' };
const stored = new Map();
globalThis.localStorage = {
  getItem: (k) => stored.get(k) ?? null,
  setItem: (k, v) => stored.set(k, v),
};
globalThis.location = { origin: 'https://shop.test' };

const html = (body) => new Response(body, { headers: { 'Content-Type': 'text/html' } });

// A stand-in element whose fetchFragment is controlled by the test.
function element() {
  const calls = [];
  return {
    calls,
    getAttribute: () => null,
    hasAttribute: () => false,
    fetchFragment(url, init) {
      let resolve;
      const p = new Promise((r, reject) => {
        resolve = r;
        init.signal.addEventListener('abort', () => reject(init.signal.reason));
      });
      calls.push({ url, init, resolve });
      return p;
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
let n = 0;
const unique = () => `/f/${++n}/`;

test('the same src is fetched once for every element', async () => {
  const el = element();
  const src = unique();
  const a = shared(el, src, new AbortController().signal);
  const b = shared(el, src, new AbortController().signal);
  await tick();
  assert.equal(el.calls.length, 1);
  el.calls[0].resolve(html('<i>x</i>'));
  assert.deepEqual(await Promise.all([a, b]), ['<i>x</i>', '<i>x</i>']);
  assert.equal(await shared(el, src, new AbortController().signal), '<i>x</i>', 'later elements reuse it');
  assert.equal(el.calls.length, 1);
});

test('fresh (reload) refetches a settled src', async () => {
  const el = element();
  const src = unique();
  const a = shared(el, src, new AbortController().signal);
  await tick();
  el.calls[0].resolve(html('old'));
  assert.equal(await a, 'old');
  const b = shared(el, src, new AbortController().signal, true);
  const c = shared(el, src, new AbortController().signal, true);
  await tick();
  assert.equal(el.calls.length, 2, 'reloads at once share one request');
  el.calls[1].resolve(html('new'));
  assert.deepEqual(await Promise.all([b, c]), ['new', 'new']);
  assert.equal(await shared(el, src, new AbortController().signal), 'new');
});

test('fresh joins a request still in flight', async () => {
  const el = element();
  const src = unique();
  const a = shared(el, src, new AbortController().signal);
  const b = shared(el, src, new AbortController().signal, true);
  await tick();
  assert.equal(el.calls.length, 1);
  el.calls[0].resolve(html('x'));
  assert.deepEqual(await Promise.all([a, b]), ['x', 'x']);
});

test('the request goes on while one element still waits', async () => {
  const el = element();
  const src = unique();
  const leaving = new AbortController();
  shared(el, src, leaving.signal).catch(() => {});
  const staying = shared(el, src, new AbortController().signal);
  await tick();
  leaving.abort();
  assert.equal(el.calls[0].init.signal.aborted, false);
  el.calls[0].resolve(html('x'));
  assert.equal(await staying, 'x');
});

test('the request is aborted when every element has gone, and not cached', async () => {
  const el = element();
  const src = unique();
  const one = new AbortController();
  const two = new AbortController();
  shared(el, src, one.signal).catch(() => {});
  shared(el, src, two.signal).catch(() => {});
  await tick();
  one.abort();
  two.abort();
  assert.equal(el.calls[0].init.signal.aborted, true);
  const again = shared(el, src, new AbortController().signal);
  await tick();
  assert.equal(el.calls.length, 2, 'a new element starts a new request');
  el.calls[1].resolve(html('y'));
  assert.equal(await again, 'y');
});

test('a failed request is not cached', async () => {
  const el = element();
  const src = unique();
  const a = shared(el, src, new AbortController().signal);
  await tick();
  el.calls[0].resolve(new Response('gone', { status: 404, headers: { 'Content-Type': 'text/html' } }));
  await assert.rejects(a, { message: 'HTTP 404', status: 404 });
  const b = shared(el, src, new AbortController().signal);
  await tick();
  assert.equal(el.calls.length, 2);
  el.calls[1].resolve(html('back'));
  assert.equal(await b, 'back');
});

test('clear() forgets settled responses: the next element fetches again', async () => {
  const el = element();
  const src = unique();
  const a = shared(el, src, new AbortController().signal);
  await tick();
  el.calls[0].resolve(html('alice'));
  assert.equal(await a, 'alice');
  clear();
  const b = shared(el, src, new AbortController().signal);
  await tick();
  assert.equal(el.calls.length, 2);
  el.calls[1].resolve(html('bob'));
  assert.equal(await b, 'bob');
});
