import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHANNEL_ENGINES } from '../channel/engines.js';
import { type SellingPos, startSelling } from './pos-tills.js';
import { keyCounts, sequences, UploadRig } from './upload-rig.js';

const never = new AbortController().signal;

describe.each(CHANNEL_ENGINES)('upload cycle on $name with the POS selling the whole time', (engine) => {
  let rig: UploadRig;
  let pos: SellingPos | undefined;
  beforeEach(async () => {
    rig = await UploadRig.create(engine);
  });
  afterEach(async () => {
    await pos?.stop();
    await rig.cleanup();
  });

  test('every row the POS committed lands in exactly one package, sequences without a gap', async () => {
    rig.maxRowsPerPackage = 100;
    pos = await startSelling(rig, 300);
    const cycle = rig.cycle();
    const outcomes: string[] = [];
    for (let run = 0; run < 25; run++) {
      outcomes.push((await cycle.run(never)).outcome);
      await sleep(50);
    }
    const tally = await pos.stop();
    outcomes.push((await cycle.run(never)).outcome);
    expect(outcomes).not.toContain('failed');
    expect(tally.sales).toBeGreaterThan(100);

    const packages = await rig.published();
    expect(sequences(packages)).toEqual(packages.map((_, i) => i + 1));
    expect(packages.length).toBeGreaterThan(5);
    const sales = keyCounts(packages, 'sale');
    expect(sales.size).toBe(tally.sales);
    expect([...sales.keys()].map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: tally.sales }, (_, i) => i + 1));
    const lines = keyCounts(packages, 'sale_line', 2);
    expect(lines.size).toBe(tally.lines);
    expect([...sales.values(), ...lines.values()].every((n) => n === 1)).toBe(true);
    const stored = await rig.subject.query('SELECT (SELECT COUNT(*) FROM sale) AS sales, (SELECT COUNT(*) FROM sale_line) AS lines');
    expect(stored).toEqual([{ sales: tally.sales, lines: tally.lines }]);
  });

  test('two uploaders at once (upload --once beside the daemon) publish every row once and never two packages for one sequence', async () => {
    rig.maxRowsPerPackage = 60;
    pos = await startSelling(rig, 300);
    const second = await rig.secondUploader();
    const first = rig.cycle();
    try {
      const runs: Promise<unknown>[] = [];
      for (let round = 0; round < 15; round++) {
        runs.push(first.run(never), second.cycle.run(never));
        await Promise.all(runs.splice(0));
        await sleep(30);
      }
      const tally = await pos.stop();
      await first.run(never);
      const packages = await rig.published();
      expect(sequences(packages)).toEqual(packages.map((_, i) => i + 1));
      const sales = keyCounts(packages, 'sale');
      expect(sales.size).toBe(tally.sales);
      expect([...sales.values(), ...keyCounts(packages, 'sale_line', 2).values()].every((n) => n === 1)).toBe(true);
      const sessions = await rig.channelDatabase.uploads.list({ limit: 10_000 });
      expect(sessions.every((s) => s.status === 'Uploaded')).toBe(true);
      expect(sessions.map((s) => s.checksum).sort()).toEqual(
        (await Promise.all(packages.map((p) => fileChecksum(rig, p.fileName)))).sort(),
      );
      expect(await readdir(path.join(rig.profile().stateDirectory, 'upload-staging'))).toEqual([]);
      expect(rig.events('upload.concurrent').length).toBeGreaterThan(0); // they did meet
      expect(rig.events('upload.failed')).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

async function fileChecksum(rig: UploadRig, fileName: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path.join(rig.uploadArea, fileName)))
    .digest('hex');
}
