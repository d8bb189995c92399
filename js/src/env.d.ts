// Build-time names the source uses; not part of the published declarations.
/** package.json's version, substituted by js/build.js. */
declare const __VERSION__: string;
