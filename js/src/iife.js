// The drop-in <script>: configure from its own attributes, expose window.composekit, register.
import { config, configure } from './config.js';
import { define, reload, reset, trigger } from './define.js';

const s = document.currentScript;
if (s) {
  configure(s.dataset);
  config.nonce = s.nonce || '';
}
self.composekit = { config, reload, reset, trigger, version: __VERSION__ }; // __VERSION__: package.json's, set by build.js
define();
