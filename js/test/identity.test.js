import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { config } from '../src/config.js';
import { identityMarker as marker } from '../src/cookies.js';
import { checkIdentity, renew, watchIdentity } from '../src/identity.js';

// Just enough of a page: cookies, localStorage and window events.
const page = new EventTarget();
const documentEvents = new EventTarget();
const storage = new Map();
globalThis.document = Object.assign(documentEvents, { cookie: '', hidden: false, baseURI: 'https://shop.test/' });
globalThis.location = { origin: 'https://shop.test' };
globalThis.addEventListener = page.addEventListener.bind(page);
globalThis.dispatchEvent = page.dispatchEvent.bind(page);
globalThis.localStorage = {
  getItem: (k) => (storage.has(k) ? storage.get(k) : null),
  setItem: (k, v) => storage.set(k, String(v)),
};

const renewals = [];
page.addEventListener('ck:renew', (e) => renewals.push(e.detail));

beforeEach(() => {
  renewals.length = 0;
  config.identityCookie = 'ck_identity';
});

test('marker() reads the identity cookie, "" without one', () => {
  document.cookie = 'csrftoken=abc; ck_identity=Xy-1; other=2';
  assert.equal(marker(), 'Xy-1');
  document.cookie = 'csrftoken=abc; not_ck_identity=zz';
  assert.equal(marker(), '');
  document.cookie = '';
  assert.equal(marker(), '');
  config.identityCookie = 'who';
  document.cookie = 'ck_identity=a; who=b';
  assert.equal(marker(), 'b');
});

test('watchIdentity() records the marker for the other tabs', () => {
  document.cookie = 'ck_identity=alice1';
  watchIdentity();
  assert.equal(storage.get('composekit:identity'), 'alice1');
  assert.equal(checkIdentity(), false, 'nothing moved');
  assert.deepEqual(renewals, []);
});

test('a moved marker renews the page once and tells the other tabs', () => {
  document.cookie = 'ck_identity=bob22';
  const source = { id: 'late' };
  assert.equal(checkIdentity(source), true);
  assert.deepEqual(renewals, [{ reason: 'identity', source }]);
  assert.equal(storage.get('composekit:identity'), 'bob22');
  assert.equal(checkIdentity(), false, 'the page is with bob now');
  assert.equal(renewals.length, 1);
});

test('a storage event from another tab makes the page look at the cookie', () => {
  document.cookie = 'ck_identity=carol3';
  page.dispatchEvent(Object.assign(new Event('storage'), { key: 'unrelated' }));
  assert.deepEqual(renewals, []);
  page.dispatchEvent(Object.assign(new Event('storage'), { key: 'composekit:identity' }));
  assert.deepEqual(renewals, [{ reason: 'identity', source: null }]);
});

test('a tab coming back into view looks too; a hidden one does not', () => {
  document.cookie = 'ck_identity=dave4';
  document.hidden = true;
  documentEvents.dispatchEvent(new Event('visibilitychange'));
  assert.deepEqual(renewals, []);
  document.hidden = false;
  documentEvents.dispatchEvent(new Event('visibilitychange'));
  assert.deepEqual(renewals, [{ reason: 'identity', source: null }]);
});

test('a restore from the back/forward cache always renews; a first show does not', () => {
  page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }));
  assert.deepEqual(renewals, []);
  page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
  assert.deepEqual(renewals, [{ reason: 'restore', source: null }]);
});

test('between going into the back/forward cache and the restore, only the restore renews', () => {
  page.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: false }));
  assert.deepEqual(renewals, [], 'a page that is unloaded keeps what it shows');
  page.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true }));
  document.cookie = 'ck_identity=erin5';
  documentEvents.dispatchEvent(new Event('visibilitychange'));
  assert.equal(checkIdentity(), false);
  assert.deepEqual(renewals, [{ reason: 'pagehide', source: null }]);
  page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
  assert.deepEqual(renewals, [
    { reason: 'pagehide', source: null },
    { reason: 'restore', source: null },
  ]);
  assert.equal(checkIdentity(), false, 'the restore took the new marker');
});

test('renew() works when storage is refused', () => {
  const saved = globalThis.localStorage;
  globalThis.localStorage = {
    getItem() {
      throw new Error('SecurityError');
    },
  };
  try {
    renew('reset');
    assert.deepEqual(renewals, [{ reason: 'reset', source: null }]);
  } finally {
    globalThis.localStorage = saved;
  }
});
