import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode } from '../../src/cli/command.js';
import { uploadCommand } from '../../src/cli/commands/upload.js';
import { WAITING_EXIT_CODE } from '../../src/cli/one-shot.js';
import { listSessionsCommand } from '../../src/cli/sessions/list.js';
import { resendSessionCommand } from '../../src/cli/sessions/resend.js';
import { UploadRig } from '../upload/upload-rig.js';
import { runCli } from './sessions-cli-run.js';

let rig: UploadRig;
let profile: string;
beforeEach(async () => {
  rig = await UploadRig.create();
  profile = await rig.writeProfileFile();
});
afterEach(async () => {
  await rig.cleanup();
});

describe('async-client upload --once', () => {
  test('publishes what is new and exits 0; nothing new also exits 0', async () => {
    await rig.sell(3);
    const run = await runCli(uploadCommand, ['--once', '--profile', profile]);
    expect(run).toMatchObject({ exitCode: ExitCode.ok, stdout: 'upload: published 1 package (seq 1, 6 rows)\n' });
    const events = run.stderr
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toEqual(expect.arrayContaining(['upload.published', 'cycle.finished']));
    expect((await rig.published()).map((p) => p.fileName)).toEqual(['store-7_upload_000000000001.acpkg']);
    expect(await runCli(uploadCommand, ['--once', '--profile', profile])).toMatchObject({
      exitCode: ExitCode.ok,
      stdout: 'upload: no new rows to upload\n',
    });
  });

  test('a held table exits 1; --set-watermark releases it and the next upload takes the rows above it', async () => {
    rig.tables = [{ name: 'sale', counterColumn: 'id' }];
    profile = await rig.writeProfileFile();
    await rig.sell(3);
    await runCli(uploadCommand, ['--once', '--profile', profile]);
    rig
      .pos()
      .exec(
        "DELETE FROM sale WHERE id > 1; DELETE FROM sale_line WHERE sale_id > 1; UPDATE sqlite_sequence SET seq = 1 WHERE name = 'sale'",
      );
    const held = await runCli(uploadCommand, ['--once', '--profile', profile]);
    expect(held).toMatchObject({ exitCode: ExitCode.failure, stdout: 'upload: held back: sale (E_UPLOAD_COUNTER_BACKWARDS)\n' });
    expect(await runCli(uploadCommand, ['--set-watermark', 'sale=1', '--profile', profile])).toMatchObject({
      exitCode: ExitCode.ok,
      stdout: 'upload watermark of sale set to 1; the table is no longer held back: the next upload takes its rows above it\n',
    });
    await rig.sell(1);
    expect(await runCli(uploadCommand, ['--once', '--profile', profile])).toMatchObject({ exitCode: ExitCode.ok });
    expect(
      (await rig.published())
        .at(-1)
        ?.rows.get('sale')
        ?.map((r) => r[0]),
    ).toEqual([2]);
  });

  test('a failed package exits 1, and 3 while its next try is not due', async () => {
    await rig.sell(1);
    rig.pos().exec("UPDATE sale SET total = 'n/a'");
    expect(await runCli(uploadCommand, ['--once', '--profile', profile])).toMatchObject({
      exitCode: ExitCode.failure,
      stdout: expect.stringContaining('upload sequence 1 failed (E_VALUE_UNREPRESENTABLE)'),
    });
    expect(await runCli(uploadCommand, ['--once', '--profile', profile])).toMatchObject({
      exitCode: WAITING_EXIT_CODE,
      stdout: expect.stringContaining('waits for its next try'),
    });
  });

  test.each([
    [['--profile', 'p.yaml'], 'only --once is supported'],
    [['--set-watermark', 'sale'], 'takes TABLE=COUNTER'],
    [['--set-watermark', 'refund=4'], "refund is not one of the profile's upload tables"],
  ])('usage errors exit 2: %j', async (args, message) => {
    const run = await runCli(uploadCommand, [...args, '--profile', profile]);
    expect(run.exitCode).toBe(ExitCode.usage);
    expect(run.stderr).toContain(message);
  });
});

describe('upload sessions from the CLI', () => {
  test('sessions list --direction upload shows them', async () => {
    await rig.sell(2);
    await runCli(uploadCommand, ['--once', '--profile', profile]);
    const run = await runCli(listSessionsCommand, ['--direction', 'upload', '--json', '--profile', profile]);
    expect(run.exitCode).toBe(ExitCode.ok);
    expect(run.stdout).toContain('Uploaded');
    expect(run.stdout).toContain('store-7_upload_000000000001.acpkg');
  });

  test('sessions resend SEQ publishes the package again byte-identical; a changed range is refused', async () => {
    rig.maxRowsPerPackage = 4;
    profile = await rig.writeProfileFile();
    await rig.sell(4);
    await runCli(uploadCommand, ['--once', '--profile', profile]);
    const file = path.join(rig.uploadArea, 'store-7_upload_000000000002.acpkg');
    const first = await readFile(file);
    await rm(file); // HQ imported it, then lost it
    const resent = await runCli(resendSessionCommand, ['2', '--profile', profile]);
    expect(resent).toMatchObject({
      exitCode: ExitCode.ok,
      stdout: expect.stringContaining('upload sequence 2 published again: store-7/upload/store-7_upload_000000000002.acpkg'),
    });
    expect((await readFile(file)).equals(first)).toBe(true);

    await rm(file);
    rig.pos().exec("UPDATE sale_line SET description = 'changed' WHERE sale_id = 3");
    const refused = await runCli(resendSessionCommand, ['2', '--profile', profile]);
    expect(refused).toMatchObject({ exitCode: ExitCode.failure, stderr: expect.stringContaining('E_UPLOAD_CONTENT_CHANGED') });
    expect((await rig.published()).map((p) => p.manifest.sequence)).toEqual([1]);
    expect(await runCli(resendSessionCommand, ['9', '--profile', profile])).toMatchObject({
      exitCode: ExitCode.failure,
      stderr: expect.stringContaining('no upload sequence 9'),
    });
  });
});
