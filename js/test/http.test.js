import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoff, credentialsFor, isHTML, problem, retryAfter } from '../src/http.js';

const now = Date.parse('2025-01-01T00:00:00Z');

test('retryAfter reads delta-seconds', () => {
  assert.equal(retryAfter('0', now), 0);
  assert.equal(retryAfter('2', now), 2000);
  assert.equal(retryAfter('30', now), 30000);
});

test('retryAfter reads an HTTP-date relative to now', () => {
  assert.equal(retryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5000);
  assert.equal(retryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now), 0, 'a past date means now');
});

test('retryAfter caps at 30 s', () => {
  assert.equal(retryAfter('3600', now), 30000);
  assert.equal(retryAfter('Thu, 02 Jan 2025 00:00:00 GMT', now), 30000);
});

test('retryAfter is null when absent or unparsable', () => {
  assert.equal(retryAfter(null, now), null);
  assert.equal(retryAfter('soon', now), null);
  assert.equal(retryAfter('', now), null);
});

test('backoff doubles per attempt with jitter in [0.5, 1.5)', () => {
  assert.equal(backoff(1, 0.5), 300);
  assert.equal(backoff(2, 0.5), 600);
  assert.equal(backoff(3, 0.5), 1200);
  assert.equal(backoff(1, 0), 150);
  assert.ok(backoff(1, 0.999999) < 450);
  for (let i = 0; i < 100; i++) {
    const ms = backoff(2);
    assert.ok(ms >= 300 && ms < 900, `${ms} out of range`);
  }
});

const page = 'https://shop.test/products/1/';
const origin = 'https://shop.test';

test('credentialsFor: same origin gets same-origin', () => {
  assert.equal(credentialsFor('/_composekit/cart/?p=x', page, origin, []), 'same-origin');
  assert.equal(credentialsFor('../frag/', page, origin, []), 'same-origin');
  assert.equal(credentialsFor('https://shop.test/_composekit/x/', page, origin, []), 'same-origin');
  assert.equal(credentialsFor('//shop.test/x', page, origin, []), 'same-origin');
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
    assert.ok(!credentialsFor(src, page, origin, []), src);
  }
});

test('credentialsFor: an allowed origin gets include, exact origin match only', () => {
  const allowed = ['https://fragments.test'];
  assert.equal(credentialsFor('https://fragments.test/x/', page, origin, allowed), 'include');
  assert.ok(!credentialsFor('https://fragments.test.evil.test/x', page, origin, allowed));
  assert.ok(!credentialsFor('http://fragments.test/x', page, origin, allowed));
});

test('credentialsFor: a missing src is refused, an unparsable one throws', () => {
  assert.ok(!credentialsFor(null, page, origin, []));
  assert.ok(!credentialsFor('', page, origin, []));
  assert.throws(() => credentialsFor('http://[', page, origin, []), TypeError);
});

test('isHTML accepts text/html with parameters, any case', () => {
  assert.ok(isHTML('text/html'));
  assert.ok(isHTML('text/html; charset=utf-8'));
  assert.ok(isHTML('Text/HTML;charset=UTF-8'));
  assert.ok(isHTML('text/html ; charset=utf-8'));
});

test('isHTML refuses everything else', () => {
  for (const ct of [null, '', 'application/json', 'application/problem+json', 'text/plain', 'text/htmlx', 'text/html-ish', 'application/xhtml+xml', ' text/html']) {
    assert.ok(!isHTML(ct), String(ct));
  }
});

const res = (body, init, extra = {}) => Object.assign(new Response(body, init), extra);
const html = { headers: { 'Content-Type': 'text/html; charset=utf-8' } };

test('problem: a 2xx text/html response is fine', () => {
  assert.equal(problem(res('<b>x</b>', html)), '');
  assert.equal(problem(res('', { status: 203, ...html })), '');
});

test('problem: non-2xx, redirected, or not HTML', () => {
  assert.equal(problem(res('no', { status: 404, ...html })), 'HTTP 404');
  assert.equal(problem(res('no', { status: 503, ...html })), 'HTTP 503');
  assert.equal(problem(res('{}', { headers: { 'Content-Type': 'application/json' } })), 'not text/html');
  assert.equal(problem(res('x', { headers: {} })), 'not text/html');
  const redirected = { ok: true, status: 200, redirected: true, headers: new Headers(html.headers) };
  assert.equal(problem(redirected), 'redirected');
});
