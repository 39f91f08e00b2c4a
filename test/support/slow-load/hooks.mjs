// Module loader hooks (see register.mjs); they run on Node's loader thread.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const HOLD_MS = 1500;
let marker;

export function initialize(data) {
  marker = data.marker;
}

export async function load(url, context, next) {
  if (url.endsWith('/cli/dispatch.js')) {
    writeFileSync(marker, 'loading\n');
    await sleep(HOLD_MS);
  }
  return next(url, context);
}
