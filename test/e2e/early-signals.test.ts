import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTempStore } from '../support/store-fixture.js';
import { until } from '../support/until.js';

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

const SLOW_LOAD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../support/slow-load/register.mjs');

describe('stop signals from the first line of main', () => {
  const fixture = useTempStore();

  it('a SIGTERM while the modules still load is held, logged, and ends the daemon cleanly once started', async () => {
    const { store } = fixture;
    await store.writeProfile();
    const marker = path.join(store.root, 'loading');
    const daemon = fixture.start(['run', '--profile', store.profilePath], {
      NODE_OPTIONS: `--import=${SLOW_LOAD}`,
      SLOW_LOAD_MARKER: marker,
    });
    await until('the CLI loads its commands', () => exists(marker), 20_000);
    daemon.signal('SIGTERM');
    expect(await daemon.exit()).toEqual({ code: 0, signal: null });
    expect(daemon.named('daemon.stopping')).toEqual([expect.objectContaining({ signal: 'SIGTERM' })]);
    expect(daemon.named('daemon.stopped')).toEqual([expect.objectContaining({ clean: true })]);
  });

  it('a command with nothing to stop still ends on a SIGTERM that came while it loaded', async () => {
    const { store } = fixture;
    const marker = path.join(store.root, 'loading');
    const validate = fixture.start(['validate', '--help'], { NODE_OPTIONS: `--import=${SLOW_LOAD}`, SLOW_LOAD_MARKER: marker });
    await until('the CLI loads its commands', () => exists(marker), 20_000);
    validate.signal('SIGTERM');
    expect(await validate.exit()).toEqual({ code: null, signal: 'SIGTERM' });
  });
});
