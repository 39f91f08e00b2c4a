import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium (package `chromium`); playwright-core drives it and downloads no browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** A headless Chromium with a fresh profile and nothing that phones home; `close()` ends it and removes the profile. */
export interface HeadlessChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchHeadlessChromium(options: { javaScriptEnabled?: boolean } = {}): Promise<HeadlessChromium> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'async-client-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
