import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { generations } from '../src/cookies.js';
import { forgetKept, keep, keepOnlyFor, kept, snapshot } from '../src/store.js';

const stored = new Map();
const storage = {
  getItem: (k) => stored.get(k) ?? null,
  setItem: (k, v) => stored.set(k, String(v)),
  removeItem: (k) => stored.delete(k),
};
// Object.keys(localStorage) lists the keys, as in browsers.
globalThis.localStorage = new Proxy(storage, {
  ownKeys: () => [...stored.keys()],
  getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }),
});
globalThis.document = { cookie: '' };

const response = (html, extra = {}) => ({ html, etag: '"e"', maxAge: 60, scopes: null, ...extra });

beforeEach(() => {
  stored.clear();
  document.cookie = 'ck_identity=alice; ck_gen=@:g1.*:g2.cart:g3';
});

test('generations() reads the ck_gen cookie', () => {
  assert.deepEqual(generations(), { '@': 'g1', '*': 'g2', cart: 'g3' });
  document.cookie = 'other=1';
  assert.deepEqual(generations(), {});
  document.cookie = 'ck_gen=bad.:x.cart:';
  assert.deepEqual(generations(), { cart: '' });
  // Decoded, as composekit-live's reader does: a cookie quoted by a proxy still reads the same.
  document.cookie = 'ck_gen=%40:g1.cart:g%33';
  assert.deepEqual(generations(), { '@': 'g1', cart: 'g3' });
});

test('a kept fragment comes back for the same identity and generations', () => {
  keep('/f/cart/', response('<b>2 items</b>', { scopes: ['cart'] }), snapshot());
  const entry = kept('/f/cart/');
  assert.equal(entry.html, '<b>2 items</b>');
  assert.equal(entry.etag, '"e"');
  assert.ok(entry.expires > Date.now() + 59000 && entry.expires <= Date.now() + 60000);
  assert.deepEqual(entry.depends, { '*': 'g2', cart: 'g3' });
});

test('never for another identity', () => {
  keep('/f/menu/', response('Alice', { scopes: [] }), snapshot());
  document.cookie = 'ck_identity=bob; ck_gen=@:g1.*:g2.cart:g3';
  assert.equal(kept('/f/menu/'), null);
  document.cookie = 'ck_gen=@:g1.*:g2.cart:g3';
  assert.equal(kept('/f/menu/'), null, 'nor for nobody');
});

test('a write to its scope, or of unknown scope, makes it invalid; other scopes do not', () => {
  keep('/f/cart/', response('cart', { scopes: ['cart'] }), snapshot());
  keep('/f/menu/', response('menu', { scopes: [] }), snapshot());
  keep('/f/any/', response('any', { scopes: null }), snapshot());
  document.cookie = 'ck_identity=alice; ck_gen=@:h1.*:g2.cart:g3.wishlist:h2'; // a wishlist write
  assert.equal(kept('/f/cart/').html, 'cart');
  assert.equal(kept('/f/menu/').html, 'menu');
  assert.equal(kept('/f/any/'), null, 'depends on every write');
  document.cookie = 'ck_identity=alice; ck_gen=@:h3.*:g2.cart:h4'; // a cart write
  assert.equal(kept('/f/cart/'), null);
  assert.equal(kept('/f/menu/').html, 'menu');
  document.cookie = 'ck_identity=alice; ck_gen=@:h5.*:h6.cart:g3'; // a write that named no scope
  assert.equal(kept('/f/menu/'), null);
});

test('the snapshot taken when the request started decides, not the cookie when it ended', () => {
  const under = snapshot();
  document.cookie = 'ck_identity=alice; ck_gen=@:h1.*:g2.cart:h2'; // a cart write while in flight
  keep('/f/cart/', response('old cart', { scopes: ['cart'] }), under);
  assert.equal(kept('/f/cart/'), null);
});

test('nothing to reuse or revalidate is not kept', () => {
  keep('/f/x/', response('x', { etag: null, maxAge: 0 }), snapshot());
  assert.equal(stored.size, 0);
  keep('/f/y/', response('y', { maxAge: 0 }), snapshot());
  assert.equal(kept('/f/y/').expires <= Date.now(), true, 'kept for revalidation only');
});

test('forgetKept() removes the kept fragments and nothing else', () => {
  stored.set('someone-else', 'x');
  keep('/f/a/', response('a'), snapshot());
  keep('/f/b/', response('b'), snapshot());
  forgetKept();
  assert.deepEqual([...stored.keys()], ['someone-else']);
});

test('storage that refuses or holds garbage is no error', () => {
  stored.set('composekit:fragment:/f/bad/', '{not json');
  assert.equal(kept('/f/bad/'), null);
  const saved = globalThis.localStorage;
  globalThis.localStorage = {
    getItem() {
      throw new Error('SecurityError');
    },
    setItem() {
      throw new Error('QuotaExceededError');
    },
  };
  try {
    keep('/f/a/', response('a'), snapshot());
    assert.equal(kept('/f/a/'), null);
    forgetKept();
  } finally {
    globalThis.localStorage = saved;
  }
});

test('the first page for a new identity deletes what was kept for the previous one', () => {
  document.cookie = 'ck_identity=alice';
  keep('/f/menu/', response('Alice'), snapshot());
  stored.set('unrelated', 'kept');
  document.cookie = 'ck_identity=bob';
  keepOnlyFor('bob'); // what the loader does when it starts
  assert.deepEqual([...stored.keys()], ['unrelated', 'composekit:kept-for']);
  keep('/f/menu/', response('Bob'), snapshot());
  keepOnlyFor('bob');
  assert.equal(kept('/f/menu/').html, 'Bob', 'the same identity keeps its own');
});

test('at most 50 entries are kept: past that, the others go', () => {
  for (let i = 0; i < 50; i++) keep(`/f/${i}/`, response(String(i)), snapshot());
  assert.equal(kept('/f/49/').html, '49');
  keep('/f/50/', response('50'), snapshot());
  const left = [...stored.keys()].filter((k) => k.startsWith('composekit:fragment:'));
  assert.deepEqual(left, ['composekit:fragment:/f/50/']);
  assert.equal(stored.get('composekit:kept-for'), 'alice', 'still kept for the same identity');
});

test('a full storage drops what was kept, without an error', () => {
  for (let i = 0; i < 10; i++) keep(`/f/${i}/`, response(String(i)), snapshot());
  const setItem = storage.setItem;
  storage.setItem = (k, v) => {
    if (k.startsWith('composekit:fragment:')) throw new Error('QuotaExceededError');
    return setItem(k, v);
  };
  try {
    keep('/f/new/', response('new'), snapshot());
  } finally {
    storage.setItem = setItem;
  }
  assert.deepEqual([...stored.keys()], []);
  keep('/f/new/', response('new'), snapshot());
  assert.equal(kept('/f/new/').html, 'new', 'kept again once there is room');
});
