import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { retryAfterSeconds } from '../../src/workfolder/working-folder.js';
import { readAll } from './byte-streams.js';

import { closeWebDavFolders, codeOfCheck, openWebDav } from './webdav-open.js';

afterEach(closeWebDavFolders);

describe('when the server is gone or misbehaves', () => {
  const servers: Array<Server | ReturnType<typeof createTcpServer>> = [];
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<string> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `http://127.0.0.1:${address.port}/dav/`;
  }

  function scripted(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
    return listen(createServer(handler));
  }

  test('nothing listening: E_FOLDER_UNREACHABLE everywhere', async () => {
    const server = createTcpServer();
    const url = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    servers.splice(servers.indexOf(server), 1);
    const folder = openWebDav(url);

    await expect(folder.list('')).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
    await expect(folder.openRead('a.bin')).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
    await expect(folder.writeAtomic('a.bin', Buffer.from('x'))).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
    expect(await codeOfCheck(folder)).toBe('E_FOLDER_UNREACHABLE');
  });

  test('a server that accepts but never answers is abandoned after the timeout: E_FOLDER_UNREACHABLE', async () => {
    const url = await listen(createTcpServer((socket) => sockets.push(socket)));
    const folder = openWebDav(url, {}, 1);

    const error = await folder.list('').catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
    expect(String(error)).toContain('no answer within 1 s');
  });

  test('a download cut off mid-body fails the stream with E_FOLDER_UNREACHABLE', async () => {
    const url = await scripted((request, response) => {
      response.writeHead(200, { 'Content-Length': '1000000' });
      response.write(Buffer.alloc(100_000));
      setImmediate(() => request.socket.destroy());
    });
    const stream = await openWebDav(url).openRead('pkg.bin');
    await expect(readAll(stream)).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
  });

  test('a hostile listing: entries of other folders, deeper ones, `..`, encoded slashes and control characters are not files here', async () => {
    const entry = (href: string): string =>
      `<D:response><D:href>${href}</D:href><D:propstat><D:prop><D:resourcetype/><D:getcontentlength>3</D:getcontentlength></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;
    const hrefs = [
      '/dav/CH01/download/',
      '/dav/CH01/download/CH01_download_000000000001.acpkg',
      '/dav/CH02/download/CH02_download_000000000001.acpkg',
      '/dav/CH01/download/sub/deeper.acpkg',
      '/dav/CH01/download/..%2F..%2Fetc%2Fpasswd',
      '/dav/CH01/download/%2E%2E',
      '/dav/CH01/download/a%00b.acpkg',
      '/dav/CH01/download/a%5Cb.acpkg',
      '/dav/CH01/download/.hidden.acpkg',
    ];
    const url = await scripted((request, response) => {
      request.resume();
      response.writeHead(207, { 'Content-Type': 'application/xml' });
      response.end(`<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">${hrefs.map(entry).join('')}</D:multistatus>`);
    });

    expect((await openWebDav(url).list('CH01/download')).map((file) => file.path)).toEqual([
      'CH01/download/CH01_download_000000000001.acpkg',
    ]);
  });

  test('a listing that is not XML, or an entity bomb, is E_FOLDER_IO or read without expanding', async () => {
    const answers = ['<D:multistatus xmlns:D="DAV:"><D:response><D:href>/dav/a', '{"files": []}'];
    const url = await scripted((request, response) => {
      request.resume();
      response.writeHead(207);
      response.end(answers.shift() ?? entityBomb());
    });
    const folder = openWebDav(url);

    await expect(folder.list('')).rejects.toMatchObject({ code: 'E_FOLDER_IO' });
    await expect(folder.list('')).rejects.toMatchObject({ code: 'E_FOLDER_IO' });
    const bombed = await folder.list('').then(
      (entries) => JSON.stringify(entries).length,
      (error: { code?: string }) => error.code,
    );
    expect(typeof bombed === 'number' ? bombed < 10_000 : bombed).toBe(typeof bombed === 'number' ? true : 'E_FOLDER_IO');
  });

  /** A server that answers PUT with `put(request)` and every other method as a healthy one would. */
  function refusingWrites(put: (path: string) => { status: number; headers?: Record<string, string> }): Promise<string> {
    return scripted((request, response) => {
      request.resume();
      request.on('end', () => {
        if (request.method === 'PUT') {
          const answer = put(request.url ?? '');
          response.writeHead(answer.status, answer.headers ?? {}).end();
        } else if (request.method === 'PROPFIND') {
          response.writeHead(207, { 'Content-Type': 'application/xml' });
          response.end(
            `<D:multistatus xmlns:D="DAV:"><D:response><D:href>${request.url}</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`,
          );
        } else response.writeHead(204).end();
      });
    });
  }

  test.each([
    [401, 'E_FOLDER_AUTH'],
    [403, 'E_FOLDER_READ_ONLY'],
    [404, 'E_FOLDER_READ_ONLY'],
    [405, 'E_FOLDER_READ_ONLY'],
    [409, 'E_FOLDER_READ_ONLY'],
    [412, 'E_FOLDER_IO'],
    [423, 'E_FOLDER_LOCKED'],
    [500, 'E_FOLDER_READ_ONLY'],
    [503, 'E_FOLDER_UNREACHABLE'],
    [507, 'E_FOLDER_FULL'],
  ])('a PUT answered %i (an empty test file refused alike) is %s, with the status in the message', async (status, code) => {
    const folder = openWebDav(await refusingWrites(() => ({ status })));
    const error = await folder.writeAtomic('upload.bin', Buffer.alloc(1000)).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code, details: expect.objectContaining({ status }) });
    expect(String(error)).toContain(`HTTP ${status}`);
  });

  test.each([403, 405, 500])(
    'a PUT answered %i while an empty test file is taken is E_FOLDER_FULL: out of space or quota',
    async (status) => {
      const url = await refusingWrites((path) => ({ status: path.includes('async-client-probe') ? 201 : status }));
      const error = await openWebDav(url)
        .writeAtomic('upload.bin', Buffer.alloc(5000))
        .catch((failure: unknown) => failure);
      expect(error).toMatchObject({ code: 'E_FOLDER_FULL', details: expect.objectContaining({ status, bytes: 5000 }) });
    },
  );

  test('Retry-After, in seconds or as a date, is kept with the error for the backoff to honour', async () => {
    const answers = [{ 'Retry-After': '120' }, { 'Retry-After': new Date(Date.now() + 600_000).toUTCString() }];
    const url = await refusingWrites(() => ({ status: 503, headers: answers.shift() ?? {} }));
    const folder = openWebDav(url);

    const first = await folder.writeAtomic('a.bin', Buffer.from('x')).catch((failure: unknown) => failure);
    expect(first).toMatchObject({ code: 'E_FOLDER_UNREACHABLE', details: expect.objectContaining({ retryAfterSeconds: 120 }) });
    expect(retryAfterSeconds(first)).toBe(120);
    const second = await folder.writeAtomic('a.bin', Buffer.from('x')).catch((failure: unknown) => failure);
    expect(retryAfterSeconds(second)).toBeGreaterThan(500);
    expect(retryAfterSeconds(second)).toBeLessThanOrEqual(600);
  });

  test('HTTP 507 Insufficient Storage on upload is E_FOLDER_FULL, and the temporary upload is deleted', async () => {
    const methods: string[] = [];
    const lengths: Array<string | undefined> = [];
    const url = await scripted((request, response) => {
      methods.push(request.method ?? '');
      if (request.method === 'PUT') lengths.push(request.headers['content-length']);
      request.resume();
      request.on('end', () => {
        response.writeHead(request.method === 'PUT' ? 507 : 204);
        response.end();
      });
    });

    await expect(openWebDav(url).writeAtomic('upload.bin', Buffer.alloc(1000))).rejects.toMatchObject({ code: 'E_FOLDER_FULL' });
    expect(methods).toEqual(['PUT', 'DELETE']);
    expect(lengths).toEqual(['1000']);
  });
});

/** Ten levels of ten-fold entities: a billion characters if a parser expanded them. */
function entityBomb(): string {
  const entities = [
    '<!ENTITY a0 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx">',
  ];
  for (let level = 1; level < 10; level += 1) entities.push(`<!ENTITY a${level} "${`&a${level - 1};`.repeat(10)}">`);
  return `<?xml version="1.0"?><!DOCTYPE m [${entities.join('')}]><multistatus xmlns="DAV:"><response><href>/dav/&a9;</href></response></multistatus>`;
}
