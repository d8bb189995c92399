import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookie, interval, liveConfig } from '../src/live/config.js';
import { schedule } from '../src/live/events.js';

globalThis.document = { cookie: '' };

test('interval() reads ms, s, m and h; anything else is NaN', () => {
  assert.equal(interval('500ms'), 500);
  assert.equal(interval('30s'), 30000);
  assert.equal(interval('5m'), 300000);
  assert.equal(interval('1h'), 3600000);
  for (const bad of ['', null, '30', '0s', '1.5s', ' 3s', '3 s', '3d'])
    assert.ok(Number.isNaN(interval(bad)), String(bad));
});

test('cookie() decodes the value, "" without the cookie', () => {
  document.cookie = 'a=1; csrftoken=x%2Fy; b=2';
  assert.equal(cookie('csrftoken'), 'x/y');
  assert.equal(cookie('nope'), '');
});

// A stand-in fragment whose refresh() stays in flight until finish() is called.
function fragment() {
  const el = {
    refreshes: 0,
    pending: [],
    refresh() {
      el.refreshes++;
      return new Promise((resolve, reject) => el.pending.push({ resolve, reject }));
    },
    finish(ok = true) {
      const { resolve, reject } = el.pending.shift();
      ok ? resolve(true) : reject(Error('HTTP 503'));
    },
  };
  return el;
}

const settle = () => new Promise((r) => setImmediate(r)); // let the refresh's promise chain run

test('a burst of events within the window causes one refresh', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  liveConfig.coalesce = 100;
  const el = fragment();
  for (let i = 0; i < 10; i++) {
    schedule(el);
    t.mock.timers.tick(9); // ten events in 90 ms
  }
  assert.equal(el.refreshes, 0, 'waits for the window to end');
  t.mock.timers.tick(10);
  assert.equal(el.refreshes, 1);
  el.finish();
  await settle();
  t.mock.timers.tick(1000);
  assert.equal(el.refreshes, 1);
});

test('events during a refresh cause one more after it, not one each', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  liveConfig.coalesce = 100;
  const el = fragment();
  schedule(el);
  t.mock.timers.tick(100);
  assert.equal(el.refreshes, 1);
  for (let i = 0; i < 5; i++) schedule(el); // while it is in flight
  el.finish();
  await settle();
  t.mock.timers.tick(100);
  assert.equal(el.refreshes, 2);
  el.finish();
  await settle();
  t.mock.timers.tick(1000);
  assert.equal(el.refreshes, 2);
});

test('a failing refresh does not stop later ones', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  liveConfig.coalesce = 100;
  const el = fragment();
  schedule(el);
  t.mock.timers.tick(100);
  el.finish(false);
  await settle();
  schedule(el);
  t.mock.timers.tick(100);
  assert.equal(el.refreshes, 2);
});
