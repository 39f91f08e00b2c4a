import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI_PATH } from '../support/daemon-process.js';
import { useTempStore } from '../support/store-fixture.js';
import { BACKLOG_ENGINES } from './backlog-databases.js';

/**
 * Preloaded into the daemon: every ES module it resolves, and at exit every CommonJS module it
 * required, go to stderr as `loaded <pid> <url or path>` lines. The profile checks' processes
 * (src/profile/checks) inherit the preload, and are told apart by their pid.
 */
const HOOKS = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process.stderr.write('loaded ' + process.pid + ' ' + resolved.url + '\\n');
  return resolved;
}`;
const PRELOAD = `import { register, createRequire } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}));
process.on('exit', () => process.stderr.write(Object.keys(createRequire(import.meta.url).cache).map((file) => 'loaded ' + process.pid + ' ' + file + '\\n').join('')));`;

/**
 * The modules each file of the bundle holds (dist/bin, scripts/bundle.mjs), by the file's URL: the
 * build's metafile names both by their path from the folder it ran in, the project's.
 */
function bundledModules(): Map<string, string[]> {
  const project = path.resolve(path.dirname(CLI_PATH), '../..');
  const meta = JSON.parse(readFileSync(path.join(path.dirname(CLI_PATH), 'meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  return new Map(
    Object.entries(meta.outputs).map(([file, { inputs }]) => [
      pathToFileURL(path.join(project, file)).href,
      Object.keys(inputs).map((input) => path.join(project, input)),
    ]),
  );
}

/**
 * The modules process `pid` loaded (`own`), and those every other process loaded (`others`): a
 * file of the bundle stands for the modules it holds, so that what is checked is the source's
 * modules, bundled or not.
 */
function loadedModules(stderr: string, pid: number): { readonly own: string[]; readonly others: string[] } {
  const bundled = bundledModules();
  const loads = stderr
    .split('\n')
    .filter((line) => line.startsWith('loaded '))
    .map((line) => line.slice('loaded '.length).split(' ', 2) as [string, string]);
  const loadedBy = (own: boolean) =>
    loads.filter(([by]) => (by === String(pid)) === own).flatMap(([, module]) => bundled.get(module) ?? [module]);
  return { own: loadedBy(true), others: loadedBy(false) };
}

describe('the daemon loads what its store uses', () => {
  const fixture = useTempStore();

  describe.each(BACKLOG_ENGINES)('on $name', (engine) => {
    const own = engine.name === 'SQLite' ? 'sqlite' : 'postgres';
    const apply =
      engine.name === 'SQLite'
        ? /\/channel\/sqlite-(apply|staging|writer-thread|shadow-table)\.js$/
        : /\/channel\/postgres-(apply|stage|swap)\.js$/;

    it('an idle daemon, before its first cycle, holds neither the package reader and writer nor the apply', async () => {
      const { store } = fixture;
      // Both cycles at midnight on New Year's Day only: none runs while the test does.
      await store.writeProfile({ download: '0 0 0 1 1 *', upload: '0 0 0 1 1 *' });
      const database = await engine.database(store);
      try {
        await database.prepare();
        const daemon = fixture.start(['run', '--profile', store.profilePath], {
          NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(PRELOAD)}`,
        });
        await daemon.waitFor('daemon.ready');
        daemon.signal('SIGTERM');
        expect(await daemon.exit()).toEqual({ code: 0, signal: null });

        const { own: loaded } = loadedModules(daemon.stderr(), daemon.pid);
        // What an idle daemon does need: the journal's connection and the watch for new packages.
        expect(loaded).toEqual(
          expect.arrayContaining([
            expect.stringMatching(new RegExp(`/channel/${own}-channel-database\\.js$`)),
            expect.stringMatching(/\/download\/pick-up\.js$/),
            expect.stringMatching(/\/package\/file-name\.js$/),
          ]),
        );
        expect(loaded.filter((module) => /\/package\/(reader|writer|content-reader|table-codec)\.js$/.test(module))).toEqual([]);
        expect(loaded.filter((module) => apply.test(module))).toEqual([]);
        expect(loaded.filter((module) => /\/(download-cycle|upload-cycle)\.js$/.test(module))).toEqual([]);
      } finally {
        await database.cleanup();
      }
    });
  });

  it('a store on a local folder logging JSON never loads the WebDAV client, its HTTP and XML libraries, pino-pretty, yaml nor TypeBox', async () => {
    const { store } = fixture;
    await store.writeProfile();
    const daemon = fixture.start(['run', '--profile', store.profilePath], {
      NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(PRELOAD)}`,
    });
    await daemon.waitFor('cycle.finished', (line) => line.direction === 'download');
    daemon.signal('SIGTERM');
    expect(await daemon.exit()).toEqual({ code: 0, signal: null });

    const { own: loaded, others } = loadedModules(daemon.stderr(), daemon.pid);
    // The preload sees both kinds of module: the daemon's own ES modules and better-sqlite3's CommonJS.
    expect(loaded).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/workfolder\/local\.js$/), expect.stringMatching(/better-sqlite3/)]),
    );
    expect(loaded.filter((module) => /\/workfolder\/webdav|node-fetch|fast-xml-parser|pino-pretty/.test(module))).toEqual([]);
    // The profile is read and checked in a process that exits: yaml and TypeBox never enter the daemon.
    expect(loaded.filter((module) => /@sinclair\/typebox|node_modules\/yaml\//.test(module))).toEqual([]);
    expect(loaded.filter((module) => module.includes('/profile/checks/subprocess'))).toEqual([]);
    expect(others).toContainEqual(expect.stringMatching(/\/profile\/checks\/subprocess\.js$/));
  });
});
