import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shown, swapAnswer } from '../src/live/answer.js';

globalThis.location = { origin: 'https://shop.example' };

// A stand-in <ck-fragment>: attributes, and a refresh() that calls fetchFragment(src) as the
// core's does (through fetch.js), recording what it got.
// fetchFragment is on its prototype, as on the element class.
const network = () => Promise.reject(Error('the network: no request was expected'));
function fragment(attributes) {
  const el = Object.assign(Object.create({ fetchFragment: network }), {
    attributes: { state: 'loaded', ...attributes },
    got: [],
    getAttribute: (name) => el.attributes[name] ?? null,
    async refresh() {
      const response = await el.fetchFragment(el.getAttribute('src'), {});
      el.got.push({ html: await response.text(), headers: Object.fromEntries(response.headers) });
      return true;
    },
  });
  return el;
}

const page = (elements) => {
  globalThis.document = {
    baseURI: 'https://shop.example/p/lamp/',
    // The selector's own filtering (state, public, batch) is the browser's: the stand-ins match it.
    querySelectorAll: () => elements,
  };
};

test('shown() names each private fragment once, with the events it refreshes on', () => {
  const cart = fragment({
    name: 'cart-summary',
    src: '/_composekit/cart-summary/?p=e30:sig',
    'refresh-on': 'cart:changed  other',
  });
  const again = fragment({
    name: 'cart-summary',
    src: '/_composekit/cart-summary/?p=e30:sig',
    'refresh-on': 'cart:changed other',
  });
  const menu = fragment({ name: 'user-menu', src: 'https://shop.example/_composekit/user-menu/?p=abc:def' });
  const away = fragment({ name: 'ads', src: 'https://ads.example/_composekit/ads/?p=x:y' });
  const unnamed = fragment({ src: '/_composekit/x/?p=x:y' });
  const noParams = fragment({ name: 'x', src: '/_composekit/x/' });
  page([cart, again, menu, away, unnamed, noParams]);
  assert.deepEqual(
    [...shown()],
    [
      ['cart-summary:e30:sig;cart:changed,other', [cart, again]],
      ['user-menu:abc:def', [menu]],
    ],
  );
});

test('swapAnswer() refreshes each answered element from its part, without a request', async () => {
  const cart = fragment({ name: 'cart-summary', src: '/c/?p=1' });
  const twin = fragment({ name: 'cart-summary', src: '/c/?p=1' });
  const picks = fragment({ name: 'recommended', src: '/r/?p=2' });
  const own = () => Promise.reject(Error("the page's own network call: no request was expected"));
  twin.fetchFragment = own; // an own property, as a page may set: put back afterwards
  const body = [
    {
      i: 0,
      status: 200,
      html: '<b>2 items</b>',
      cache: 'private, max-age=300',
      etag: '"v2"',
      scopes: ['cart'],
      trigger: null,
    },
    { i: 1, status: 403, problem: {} },
  ];
  const response = new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } });
  const answered = await swapAnswer(response, [[cart, twin], [picks]]);
  assert.deepEqual([...answered], [cart, twin]);
  assert.deepEqual(cart.got, [
    {
      html: '<b>2 items</b>',
      headers: {
        'cache-control': 'private, max-age=300',
        'ck-scopes': 'cart',
        'content-type': 'text/html',
        etag: '"v2"',
      },
    },
  ]);
  assert.equal(twin.got.length, 1);
  assert.deepEqual(picks.got, []); // refused there: its listeners fetch it as before
  assert.ok(!Object.hasOwn(cart, 'fetchFragment')); // the class's own network call again
  assert.equal(cart.fetchFragment, network);
  assert.equal(twin.fetchFragment, own);
});

test('swapAnswer() leaves alone an element loading anew, and an answer without parts', async () => {
  const loading = fragment({ name: 'a', src: '/a/?p=1', state: 'loading' });
  const parts = new Response(JSON.stringify([{ i: 0, status: 200, html: 'x' }]), {
    headers: { 'Content-Type': 'application/json' },
  });
  assert.deepEqual([...(await swapAnswer(parts, [[loading]]))], []);
  assert.deepEqual(loading.got, []);
  assert.deepEqual([...(await swapAnswer(new Response(null, { status: 204 }), [[loading]]))], []);
});

test('a part whose refresh fails is not answered: its listeners fetch it', async () => {
  const broken = fragment({ name: 'a', src: '/a/?p=1' });
  broken.refresh = () => Promise.reject(Error('HTTP 500'));
  const parts = new Response(JSON.stringify([{ i: 0, status: 200, html: 'x' }]), {
    headers: { 'Content-Type': 'application/json' },
  });
  assert.deepEqual([...(await swapAnswer(parts, [[broken]]))], []);
});
