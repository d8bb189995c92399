// The drop-in composekit-live script: after the core's, configure from its own attributes, start.
import { liveConfig } from './config.js';
import { start } from './index.js';

const script = document.currentScript;
if (script) {
  const { coalesce, tabs, csrfCookie, csrfHeader } = script.dataset;
  if (coalesce && /^\d+$/.test(coalesce)) liveConfig.coalesce = Number(coalesce);
  if (tabs) liveConfig.tabs = tabs.split(/\s+/).filter(Boolean);
  if (csrfCookie) liveConfig.csrfCookie = csrfCookie;
  if (csrfHeader) liveConfig.csrfHeader = csrfHeader;
}
if (self.composekit) self.composekit.live = { config: liveConfig };
start();
