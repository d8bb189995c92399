import assert from 'node:assert/strict';
import { test } from 'node:test';
import { config, configure } from '../src/config.js';

const defaults = {
  timeout: 10000,
  retries: 2,
  lazyMargin: '200px',
  allowedOrigins: [],
  maxDepth: 5,
  allowScripts: false,
  nonce: '',
  identityCookie: 'ck_identity',
  generationCookie: 'ck_gen',
  batchUrl: '',
};

// config after configure(dataset), starting from the defaults.
function after(dataset) {
  for (const k in config) delete config[k];
  Object.assign(config, structuredClone(defaults));
  configure(dataset);
  return { ...config };
}

test('defaults', () => {
  assert.deepEqual(config, defaults);
});

test('an empty dataset changes nothing', () => {
  assert.deepEqual(after({}), defaults);
});

test('every data- attribute the template tag emits', () => {
  // <script data-timeout="5000" data-retries="0" data-lazy-margin="0px 0px 400px"
  //   data-allowed-origins="https://a.test  https://b.test" data-max-depth="3" data-allow-scripts="true"
  //   data-identity-cookie="who">
  const dataset = {
    timeout: '5000',
    retries: '0',
    lazyMargin: '0px 0px 400px',
    allowedOrigins: ' https://a.test  https://b.test ',
    maxDepth: '3',
    allowScripts: 'true',
    identityCookie: 'who',
  };
  assert.deepEqual(after(dataset), {
    timeout: 5000,
    retries: 0,
    lazyMargin: '0px 0px 400px',
    allowedOrigins: ['https://a.test', 'https://b.test'],
    maxDepth: 3,
    allowScripts: true,
    nonce: '',
    identityCookie: 'who',
    generationCookie: 'ck_gen',
    batchUrl: '',
  });
});

test('allowScripts is true unless "false"', () => {
  assert.equal(after({ allowScripts: '' }).allowScripts, true);
  assert.equal(after({ allowScripts: 'true' }).allowScripts, true);
  assert.equal(after({ allowScripts: 'false' }).allowScripts, false);
});

test('an empty origin list is an empty array', () => {
  assert.deepEqual(after({ allowedOrigins: '  ' }).allowedOrigins, []);
});

test('malformed numbers keep the default', () => {
  assert.deepEqual(after({ timeout: 'fast', retries: '-1', maxDepth: '2.5' }), defaults);
  assert.deepEqual(after({ timeout: '', retries: '1e3', maxDepth: ' 3' }), defaults);
});

test('unknown keys are ignored', () => {
  assert.deepEqual(after({ createHTML: 'alert', foo: '1', composekit: 'x' }), defaults);
  assert.equal(config.createHTML, undefined);
});

test('names inherited from Object.prototype are unknown keys too', () => {
  // data-to-string="x", data-constructor="y", data-has-own-property="z"
  assert.deepEqual(after({ toString: 'x', constructor: 'y', hasOwnProperty: 'z' }), defaults);
  assert.equal(config.toString, Object.prototype.toString);
  assert.equal(config.constructor, Object);
});
