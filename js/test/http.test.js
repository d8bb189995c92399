import assert from 'node:assert/strict';
import { test } from 'node:test';
import { config } from '../src/config.js';
import { credentialsFor, delay, problem } from '../src/http.js';

// The page the helpers read: stubs, not a DOM.
const page = 'https://shop.test/products/1/';
globalThis.document = { baseURI: page };
globalThis.location = { origin: 'https://shop.test' };

const now = Date.parse('2025-01-01T00:00:00Z');

// delay(retryAfter, n) with Date.now() and Math.random() fixed.
function delayAt(retryAfter, n = 1, random = 0.5) {
  const saved = [Date.now, Math.random];
  Date.now = () => now;
  Math.random = () => random;
  try {
    return delay(retryAfter, n);
  } finally {
    [Date.now, Math.random] = saved;
  }
}

test('delay reads Retry-After delta-seconds', () => {
  assert.equal(delayAt('0'), 0);
  assert.equal(delayAt('2'), 2000);
  assert.equal(delayAt('30', 2), 30000);
});

test('delay reads a Retry-After HTTP-date relative to now', () => {
  assert.equal(delayAt('Wed, 01 Jan 2025 00:00:05 GMT'), 5000);
  assert.equal(delayAt('Tue, 31 Dec 2024 23:59:00 GMT'), 0, 'a past date means now');
});

test('delay caps Retry-After at 30 s', () => {
  assert.equal(delayAt('3600'), 30000);
  assert.equal(delayAt('Thu, 02 Jan 2025 00:00:00 GMT'), 30000);
});

test('without a usable Retry-After, delay backs off: doubling per retry, jitter in [0.5, 1.5)', () => {
  for (const header of [null, undefined, '', 'soon']) {
    assert.equal(delayAt(header, 1, 0.5), 300, String(header));
  }
  assert.equal(delayAt(null, 2, 0.5), 600);
  assert.equal(delayAt(null, 3, 0.5), 1200);
  assert.equal(delayAt(null, 1, 0), 150);
  assert.ok(delayAt(null, 1, 0.999999) < 450);
  for (let i = 0; i < 100; i++) {
    const ms = delay(null, 2);
    assert.ok(ms >= 300 && ms < 900, `${ms} out of range`);
  }
});

// credentialsFor(src) with config.allowedOrigins set to allowed.
function credentials(src, allowed = []) {
  const saved = config.allowedOrigins;
  config.allowedOrigins = allowed;
  try {
    return credentialsFor(src);
  } finally {
    config.allowedOrigins = saved;
  }
}

test('credentialsFor: same origin gets same-origin', () => {
  assert.equal(credentials('/_composekit/cart/?p=x'), 'same-origin');
  assert.equal(credentials('../frag/'), 'same-origin');
  assert.equal(credentials('https://shop.test/_composekit/x/'), 'same-origin');
  assert.equal(credentials('//shop.test/x'), 'same-origin');
});

test('credentialsFor: relative URLs resolve against document.baseURI', () => {
  document.baseURI = 'https://fragments.test/base/';
  try {
    assert.ok(!credentials('/x/'));
    assert.equal(credentials('/x/', ['https://fragments.test']), 'include');
  } finally {
    document.baseURI = page;
  }
});

test('credentialsFor: other origins are refused unless allowed', () => {
  for (const src of [
    'https://evil.test/x',
    'http://shop.test/x', // scheme differs
    'https://shop.test:8443/x', // port differs
    'https://sub.shop.test/x',
    '//evil.test/x',
    'javascript:alert(1)',
    'data:text/html,<b>x</b>',
  ]) {
    assert.ok(!credentials(src), src);
  }
});

test('credentialsFor: an allowed origin gets include, exact origin match only', () => {
  const allowed = ['https://fragments.test'];
  assert.equal(credentials('https://fragments.test/x/', allowed), 'include');
  assert.ok(!credentials('https://fragments.test.evil.test/x', allowed));
  assert.ok(!credentials('http://fragments.test/x', allowed));
});

test('credentialsFor: a missing src is refused, an unparsable one throws', () => {
  assert.ok(!credentials(null));
  assert.ok(!credentials(''));
  assert.throws(() => credentials('http://['), TypeError);
});

const res = (body, init, extra = {}) => Object.assign(new Response(body, init), extra);
const html = { headers: { 'Content-Type': 'text/html; charset=utf-8' } };
// A 200 that is not redirected, with this Content-Type (null: none).
const typed = (contentType) => ({ ok: true, status: 200, redirected: false, headers: { get: () => contentType } });

test('problem: a 2xx text/html response is fine', () => {
  assert.equal(problem(res('<b>x</b>', html)), '');
  assert.equal(problem(res('', { status: 203, ...html })), '');
});

test('problem: text/html with parameters, any case, is HTML', () => {
  for (const ct of ['text/html', 'text/html; charset=utf-8', 'Text/HTML;charset=UTF-8', 'text/html ; charset=utf-8']) {
    assert.equal(problem(typed(ct)), '', ct);
  }
});

test('problem: every other Content-Type is not', () => {
  for (const ct of [
    null,
    '',
    'application/json',
    'application/problem+json',
    'text/plain',
    'text/htmlx',
    'text/html-ish',
    'application/xhtml+xml',
    ' text/html',
  ]) {
    assert.equal(problem(typed(ct)), 'not text/html', String(ct));
  }
});

test('problem: non-2xx, redirected, or not HTML', () => {
  assert.equal(problem(res('no', { status: 404, ...html })), 'HTTP 404');
  assert.equal(problem(res('no', { status: 503, ...html })), 'HTTP 503');
  assert.equal(problem(res('{}', { headers: { 'Content-Type': 'application/json' } })), 'not text/html');
  assert.equal(problem(res('x', { headers: {} })), 'not text/html');
  const redirected = { ok: true, status: 200, redirected: true, headers: new Headers(html.headers) };
  assert.equal(problem(redirected), 'redirected');
});
