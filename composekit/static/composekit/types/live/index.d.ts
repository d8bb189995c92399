export { liveConfig };
export function start(): void;
import { liveConfig } from './config.js';
