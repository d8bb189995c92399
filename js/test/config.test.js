import assert from 'node:assert/strict';
import { test } from 'node:test';
import { config, fromDataset } from '../src/config.js';

test('defaults', () => {
  assert.deepEqual(config, {
    timeout: 10000,
    retries: 2,
    lazyMargin: '200px',
    allowedOrigins: [],
    maxDepth: 5,
    allowScripts: false,
    nonce: '',
  });
});

test('an empty dataset changes nothing', () => {
  assert.deepEqual(fromDataset({}), {});
});

test('every data- attribute the template tag emits', () => {
  // <script data-timeout="5000" data-retries="0" data-lazy-margin="0px 0px 400px"
  //   data-allowed-origins="https://a.test  https://b.test" data-max-depth="3" data-allow-scripts="true">
  const dataset = {
    timeout: '5000',
    retries: '0',
    lazyMargin: '0px 0px 400px',
    allowedOrigins: ' https://a.test  https://b.test ',
    maxDepth: '3',
    allowScripts: 'true',
  };
  assert.deepEqual(fromDataset(dataset), {
    timeout: 5000,
    retries: 0,
    lazyMargin: '0px 0px 400px',
    allowedOrigins: ['https://a.test', 'https://b.test'],
    maxDepth: 3,
    allowScripts: true,
  });
});

test('allowScripts is true unless "false"', () => {
  assert.equal(fromDataset({ allowScripts: '' }).allowScripts, true);
  assert.equal(fromDataset({ allowScripts: 'true' }).allowScripts, true);
  assert.equal(fromDataset({ allowScripts: 'false' }).allowScripts, false);
});

test('an empty origin list is an empty array', () => {
  assert.deepEqual(fromDataset({ allowedOrigins: '  ' }).allowedOrigins, []);
});

test('malformed numbers keep the default', () => {
  assert.deepEqual(fromDataset({ timeout: 'fast', retries: '-1', maxDepth: '2.5' }), {
    timeout: 10000,
    retries: 2,
    maxDepth: 5,
  });
});

test('unknown keys are ignored', () => {
  assert.deepEqual(fromDataset({ createHTML: 'alert', foo: '1', composekit: 'x' }), {});
});
