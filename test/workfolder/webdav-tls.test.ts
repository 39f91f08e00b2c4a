import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebDavWorkingFolder, type WebDavConnection } from '../../src/workfolder/webdav.js';
import {
  apacheTestFolder,
  signedCertificate,
  startApacheServer,
  stopWebDavServer,
  testCaIn,
  type ApacheTestFolder,
  type WebDavServer,
} from '../support/webdav-server.js';

const folders: WebDavWorkingFolder[] = [];

function open(connection: Omit<WebDavConnection, 'timeoutSeconds'>): WebDavWorkingFolder {
  const folder = new WebDavWorkingFolder({ timeoutSeconds: 10, ...connection });
  folders.push(folder);
  return folder;
}

afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => folder.close()));
});

/** The error check() reports, as code and message. */
async function checkFailure(folder: WebDavWorkingFolder): Promise<{ code: string; message: string }> {
  const health = await folder.check();
  return health.ok ? { code: 'ok', message: '' } : { code: health.error.code, message: health.error.message };
}

describe('the shared Apache (https, Basic)', () => {
  let shared: ApacheTestFolder;

  beforeEach(async () => {
    shared = await apacheTestFolder();
  });

  afterEach(async () => {
    await shared.cleanup();
  });

  test("HQ's CA from caFile is trusted; without it the CA is unknown: E_FOLDER_TLS naming the host, never retried as a network fault", async () => {
    const credentials = { url: shared.url, username: shared.username, password: shared.password };
    expect(await checkFailure(open({ ...credentials, tls: { caFile: shared.ca.caFile } }))).toEqual({ code: 'ok', message: '' });

    const unknown = await checkFailure(open(credentials));
    expect(unknown.code).toBe('E_FOLDER_TLS');
    expect(unknown.message).toContain('127.0.0.1');
    expect(unknown.message).toContain('tls.caFile');
    expect(unknown.message).not.toContain(shared.password);
  });

  test('a caFile that cannot be read is E_FOLDER_TLS naming the field and the file', async () => {
    const missing = path.join(shared.localPath, 'no-such-ca.pem');
    const failure = await checkFailure(open({ url: shared.url, tls: { caFile: missing } }));
    expect(failure.code).toBe('E_FOLDER_TLS');
    expect(failure.message).toContain(`tls.caFile ${missing}`);
  });
});

describe('server certificates that must be refused', () => {
  let work: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'wf-tls-'));
    const shared = await apacheTestFolder();
    await shared.cleanup();
    await cp(path.dirname(shared.ca.caFile), work, { recursive: true });
    await signedCertificate(work, 'expired', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1', -1);
    await signedCertificate(work, 'elsewhere', '/CN=files.elsewhere.example', 'subjectAltName=DNS:files.elsewhere.example');
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function serveWith(name: string): Promise<string> {
    const server = createServer(
      { cert: await readFile(path.join(work, `${name}.crt`)), key: await readFile(path.join(work, `${name}.key`)) },
      (_request, response) => response.writeHead(207).end('<multistatus xmlns="DAV:"/>'),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `https://127.0.0.1:${address.port}/dav/`;
  }

  test('an expired certificate', async () => {
    const failure = await checkFailure(open({ url: await serveWith('expired'), tls: { caFile: testCaIn(work).caFile } }));
    expect(failure.code).toBe('E_FOLDER_TLS');
    expect(failure.message).toContain('expired');
  });

  test('a certificate issued for another host', async () => {
    const failure = await checkFailure(open({ url: await serveWith('elsewhere'), tls: { caFile: testCaIn(work).caFile } }));
    expect(failure.code).toBe('E_FOLDER_TLS');
    expect(failure.message).toContain('not issued for 127.0.0.1');
  });
});

describe('an Apache that requires a client certificate (mutual TLS)', () => {
  let work: string;
  let server: WebDavServer;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'wf-mtls-'));
    const shared = await apacheTestFolder();
    await shared.cleanup();
    await cp(path.dirname(shared.ca.caFile), path.join(work, 'ca'), { recursive: true });
    await mkdir(path.join(work, 'root'));
    server = await startApacheServer(path.join(work, 'root'), work, {
      ca: testCaIn(path.join(work, 'ca')),
      requireClientCertificate: true,
    });
  });

  afterAll(async () => {
    await stopWebDavServer(server.pid);
    await rm(work, { recursive: true, force: true });
  });

  test('without a client certificate: E_FOLDER_TLS saying one is required; with the store certificate it works', async () => {
    const ca = testCaIn(path.join(work, 'ca'));
    const credentials = { url: server.url, username: server.username, password: server.password };

    const without = await checkFailure(open({ ...credentials, tls: { caFile: ca.caFile } }));
    expect(without.code).toBe('E_FOLDER_TLS');
    expect(without.message).toContain('requires a client certificate');

    const withCertificate = open({ ...credentials, tls: { caFile: ca.caFile, certFile: ca.clientCertFile, keyFile: ca.clientKeyFile } });
    expect(await checkFailure(withCertificate)).toEqual({ code: 'ok', message: '' });
    await withCertificate.writeAtomic('f.bin', Buffer.from('over mutual TLS'));
    expect((await withCertificate.list('')).map((entry) => entry.name)).toEqual(['f.bin']);
  });
});
