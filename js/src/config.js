// Loader configuration: one shared, mutable object. The drop-in script fills it from its own
// data- attributes (see iife.js); ESM users assign to it before define().
export const config = {
  timeout: 10000, // ms per attempt
  retries: 2, // extra attempts after a network error, a timeout or a 502/503/504
  lazyMargin: '200px', // IntersectionObserver rootMargin for loading="lazy"
  allowedOrigins: [], // cross origins a src may use, e.g. ["https://fragments.example.com"]
  maxDepth: 5, // a fragment with this many <ck-fragment> ancestors is refused
  allowScripts: false, // run <script> elements found in fragments
  nonce: '', // CSP nonce given to scripts that run
  identityCookie: 'ck_identity', // cookie the server moves on login and logout (identity.js)
  // createHTML: (html: string) => TrustedHTML | string; replaces the built-in policy when set
};

// Sets config from a dataset (data-max-depth -> maxDepth), each value parsed after the type of
// its default: numbers are non-negative integers, booleans true unless "false", lists
// space-separated. Only config's own keys are read, so other data- attributes are ignored, and
// a malformed number keeps the current value: a typo cannot break every fragment.
export const configure = (d) => {
  for (const k in config) {
    const t = config[k];
    const v = d[k];
    if (k in d) config[k] = t === +t ? (/^\d+$/.test(v) ? +v : t) : t === !!t ? v != 'false' : t.map ? v.match(/\S+/g) || [] : v;
  }
};
