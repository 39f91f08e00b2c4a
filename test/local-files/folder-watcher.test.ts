import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const library = fileURLToPath(new URL('../../dist/src/local-files/folder-watcher.js', import.meta.url));

/**
 * In a process of its own, since what fails is the process's exit: watches a folder, deletes its
 * files, and closes the watcher as soon as the deletions' events arrived, while the watcher's stat of
 * each deleted file is still in flight. Then nothing is left to do.
 */
const script = `
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { watchFolder } from ${JSON.stringify(library)};
const [folder, ...files] = process.argv.slice(1);
const watcher = watchFolder(folder, { ignoreInitial: true, depth: 0 });
await new Promise((resolve) => watcher.once('ready', resolve));
const seen = new Set();
const allSeen = new Promise((resolve) => watcher.on('raw', (event, name) => seen.add(name) && seen.size === files.length && resolve()));
for (const file of files) unlinkSync(join(folder, file));
await allSeen;
await watcher.close();
process.stdout.write('closed');
`;

describe('a folder watcher', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'folder-watcher-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('closed while it still handles deleted files stays closed: the process exits by itself', async () => {
    expect(existsSync(library)).toBe(true); // npm test builds dist/ before jest runs
    const files = ['a.acpkg', 'b.acpkg', 'c.acpkg'];
    for (const file of files) await writeFile(path.join(folder, file), 'package');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, folder, ...files], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = once(child, 'exit');
    // chokidar 5 alone re-opened the watcher here, and the process lived on with an fs.watch nobody could close.
    const hung = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code, signal] = await exited;
    clearTimeout(hung);
    expect({ output, code, signal }).toEqual({ output: 'closed', code: 0, signal: null });
  }, 60_000);
});
