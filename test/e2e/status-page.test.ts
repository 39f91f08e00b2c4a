import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { launchHeadlessChromium } from '../support/headless-chromium.js';
import { useTempStore } from '../support/store-fixture.js';
import { Backlog, CHANNEL, seedStore } from './download-backlog.js';

describe('the status page, read in headless Chromium', () => {
  const fixture = useTempStore();

  it('serves / from the running daemon: schedules, what was applied, what needs an operator and the command that fixes it, without JavaScript', async () => {
    const { store } = fixture;
    await store.writeProfile({ healthPort: 0 });
    await seedStore(store, new Backlog(3, 20), 1);
    // Sequence 2 is not a package: it can never be applied and is Suspended at once.
    await writeFile(path.join(store.workingFolder, CHANNEL, 'download', `${CHANNEL}_download_000000000002.acpkg`), 'not a package');
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    const ready = await daemon.waitFor('daemon.ready');
    await daemon.waitFor('download.applied');
    await daemon.waitFor('download.failed', (line) => line.status === 'Suspended');
    const { port } = ready.health as { port: number };

    const browser = await launchHeadlessChromium({ javaScriptEnabled: false });
    try {
      const page = await browser.context.newPage();
      const response = await page.goto(`http://127.0.0.1:${port}/`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
      expect(await page.title()).toBe('async-client: store-0042 (Test store)');
      expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('30');
      expect(await page.locator('h1').textContent()).toBe('store-0042 (Test store)');

      // biome-ignore lint/performance/useDomNodeTextContent: the page as a person sees it, rendered
      const text = await page.locator('body').innerText();
      expect(text).toContain('Daemon: ready');
      expect(text).toMatch(/download\s+on "\*\/1 \* \* \* \* \*"; last: .+; (next at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC|running now)/);
      expect(text).toContain('Applied through sequence 1 (last applied 20');
      expect(text).toMatch(/download sequence 2 is Suspended after 1 tries, and later packages wait behind it: .+/);
      expect(await page.locator('.attention code').first().textContent()).toMatch(/^fix the cause, then: async-client sessions retry \d+ /);
      expect(text).toContain('Nothing published yet.');
    } finally {
      await browser.close();
    }
  });
});
