import { useTempStore } from '../support/store-fixture.js';

/**
 * Preloaded into the daemon: on its main thread, every ES module it resolves, and at exit every
 * CommonJS module it required, go to stderr as `loaded <url or path>` lines. The profile checks'
 * worker threads (src/profile/checks) run the preload too, and are left out.
 */
const HOOKS = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process.stderr.write('loaded ' + resolved.url + '\\n');
  return resolved;
}`;
const PRELOAD = `import { register, createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
if (isMainThread) {
  register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}));
  process.on('exit', () => process.stderr.write(Object.keys(createRequire(import.meta.url).cache).map((file) => 'loaded ' + file + '\\n').join('')));
}`;

function loadedModules(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('loaded '))
    .map((line) => line.slice('loaded '.length));
}

describe('the daemon loads what its store uses', () => {
  const fixture = useTempStore();

  it('a store on a local folder logging JSON never loads the WebDAV client, its HTTP and XML libraries, pino-pretty, yaml nor TypeBox on its own thread', async () => {
    const { store } = fixture;
    await store.writeProfile();
    const daemon = fixture.start(['run', '--profile', store.profilePath], {
      NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(PRELOAD)}`,
    });
    await daemon.waitFor('cycle.finished', (line) => line.direction === 'download');
    daemon.signal('SIGTERM');
    expect(await daemon.exit()).toEqual({ code: 0, signal: null });

    const loaded = loadedModules(daemon.stderr());
    // The preload sees both kinds of module: the daemon's own ES modules and better-sqlite3's CommonJS.
    expect(loaded).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/workfolder\/local\.js$/), expect.stringMatching(/better-sqlite3/)]),
    );
    expect(loaded.filter((module) => /\/workfolder\/webdav|node-fetch|fast-xml-parser|pino-pretty/.test(module))).toEqual([]);
    // The profile is read and checked in a worker thread that exits: yaml and TypeBox never stay in the daemon's own.
    expect(loaded.filter((module) => /@sinclair\/typebox|node_modules\/yaml\//.test(module))).toEqual([]);
  });
});
