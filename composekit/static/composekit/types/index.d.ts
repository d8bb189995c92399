/// <reference path="./globals.d.ts" />
export { config } from "./config.js";
export { CkFragment } from "./element.js";
export const version: string;
export type ComposekitConfig = import("./config.js").ComposekitConfig;
export type CkErrorDetail = import("./element.js").CkErrorDetail;
export type CkBeforeSwapDetail = import("./element.js").CkBeforeSwapDetail;
export type CkRenewDetail = import("./identity.js").CkRenewDetail;
export type CkTriggerDetail = import("./triggers.js").CkTriggerDetail;
export { define, reload, reset, trigger } from "./define.js";
