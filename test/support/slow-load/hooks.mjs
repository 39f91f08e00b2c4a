// Module loader hooks (see register.mjs); they run on Node's loader thread.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const HOLD_MS = 1500;
let marker;

export function initialize(data) {
  marker = data.marker;
}

/** dispatch.js, or the bundle's file for it (dist/bin/dispatch-<hash>.js, scripts/bundle.mjs). */
const DISPATCH = /\/(cli\/dispatch|bin\/dispatch-[A-Z0-9]+)\.js$/;

export async function load(url, context, next) {
  if (DISPATCH.test(url)) {
    writeFileSync(marker, 'loading\n');
    await sleep(HOLD_MS);
  }
  return next(url, context);
}
