import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

/*
 * The real WebDAV servers of the tests and benchmarks, started on loopback and stopped by PID. Jest's
 * globalSetup loads this file too, outside jest's module map, where a sibling `./x.js`
 * does not resolve: it imports only Node's own modules.
 */

/** A running WebDAV server over a local folder. */
export interface WebDavServer {
  /** Base URL, ending in `/`. */
  readonly url: string;
  /** The local folder the server serves, for checking on disk what the server did. */
  readonly root: string;
  readonly username: string;
  readonly password: string;
  readonly pid: number;
  /** PEM file of the CA that signed the server's certificate (https servers only). */
  readonly caFile?: string;
}

/** A throwaway certificate authority and what it signed, as PEM files in one folder. */
export interface TestCa {
  readonly caFile: string;
  /** Server certificate for 127.0.0.1 and localhost. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A client certificate the CA signed, for mutual TLS. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

const run = promisify(execFile);
const STARTUP_LIMIT_MS = 15_000;
const USERNAME = 'store';
const PASSWORD = 'secret-test-pass';
const APACHE = '/usr/sbin/apache2';
const APACHE_MODULES = '/usr/lib/apache2/modules';
/** Apache started as root runs its workers as this user, which must own what it serves. */
const APACHE_USER = { name: 'nobody', group: 'nogroup', uid: 65534, gid: 65534 };

/** `rclone serve webdav` (Debian package `rclone`) over `root`, plain HTTP with Basic authentication. */
export async function startRcloneServer(
  root: string,
  options: { readOnly?: boolean; cacheDirectories?: boolean } = {},
): Promise<WebDavServer> {
  const port = await freePort();
  const args = ['serve', 'webdav', root, '--addr', `127.0.0.1:${port}`, '--user', USERNAME, '--pass', PASSWORD];
  // No directory cache unless asked: tests put files straight into `root`, as HQ would on a shared
  // disk. Without one, rclone reads a folder's subfolders again on each listing, which makes a
  // listing of thousands of store folders take seconds: a benchmark of a fleet that does not
  // change while it runs keeps rclone's default cache.
  if (options.cacheDirectories !== true) args.push('--dir-cache-time', '0s');
  if (options.readOnly === true) args.push('--read-only');
  const url = `http://127.0.0.1:${port}/`;
  const pid = await spawnServer('rclone', args, 'rclone serve webdav', () => answersPropfind(url), 'apt-get install -y rclone');
  return { url, root, username: USERNAME, password: PASSWORD, pid };
}

export interface ApacheOptions {
  readonly ca: TestCa;
  /** Refuse clients without a certificate the CA signed (mutual TLS). */
  readonly requireClientCertificate?: boolean;
}

/**
 * Apache httpd with mod_dav (Debian package `apache2`) over `root`: https with a certificate
 * from the test CA, Basic authentication. `work` holds its configuration, logs and lock database.
 */
export async function startApacheServer(root: string, work: string, options: ApacheOptions): Promise<WebDavServer> {
  const port = await freePort();
  // Apache's workers must pass through `work` (mkdtemp makes it 0700) to reach `root` and `lock`.
  await chmod(work, 0o755);
  await mkdir(path.join(work, 'lock'), { recursive: true });
  await chownToApache(root);
  await chownToApache(path.join(work, 'lock'));
  const sha1 = createHash('sha1').update(PASSWORD).digest('base64');
  await writeFile(path.join(work, 'htpasswd'), `${USERNAME}:{SHA}${sha1}\n`);
  const modules = ['mpm_event', 'authz_core', 'authn_core', 'authn_file', 'auth_basic', 'authz_user', 'dav', 'dav_fs', 'ssl'];
  const clientCertificate = options.requireClientCertificate === true ? ['SSLVerifyClient require', 'SSLVerifyDepth 1'] : [];
  const config = [
    `ServerRoot ${work}`,
    `PidFile ${path.join(work, 'httpd.pid')}`,
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${port}`,
    ...modules.map((module) => `LoadModule ${module}_module ${APACHE_MODULES}/mod_${module}.so`),
    ...(process.getuid?.() === 0 ? [`User ${APACHE_USER.name}`, `Group ${APACHE_USER.group}`] : []),
    `ErrorLog ${path.join(work, 'error.log')}`,
    'LogLevel error',
    `DavLockDB ${path.join(work, 'lock', 'davlock')}`,
    'SSLEngine on',
    'SSLSessionCache none',
    `SSLCertificateFile ${options.ca.serverCertFile}`,
    `SSLCertificateKeyFile ${options.ca.serverKeyFile}`,
    `SSLCACertificateFile ${options.ca.caFile}`,
    ...clientCertificate,
    `DocumentRoot ${root}`,
    `<Directory ${root}>`,
    '  Dav On',
    '  AuthType Basic',
    '  AuthName dav',
    `  AuthUserFile ${path.join(work, 'htpasswd')}`,
    '  Require valid-user',
    '</Directory>',
  ];
  const configFile = path.join(work, 'httpd.conf');
  await writeFile(configFile, `${config.join('\n')}\n`);
  const url = `https://127.0.0.1:${port}/`;
  const pid = await spawnServer(
    APACHE,
    ['-f', configFile, '-DFOREGROUND'],
    'apache2',
    () => waitForPort(port),
    'apt-get install -y apache2',
  );
  return { url, root, username: USERNAME, password: PASSWORD, pid, caFile: options.ca.caFile };
}

/** Lets Apache's workers (not root) change a file or folder the test made as root, as HQ's own writes would be. */
export async function chownToApache(file: string): Promise<void> {
  if (process.getuid?.() === 0) await chown(file, APACHE_USER.uid, APACHE_USER.gid);
}

/** Makes a CA with openssl, and a server and a client certificate it signs, valid for two days. */
export async function makeTestCa(folder: string): Promise<TestCa> {
  await mkdir(folder, { recursive: true });
  const file = (name: string): string => path.join(folder, name);
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=async-client test CA',
  ]);
  await signedCertificate(folder, 'server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  await signedCertificate(folder, 'client', '/CN=store-client', 'extendedKeyUsage=clientAuth');
  return {
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
  };
}

/**
 * `<name>.crt` and `<name>.key`, signed by the CA in `folder`, with one X.509 extension line,
 * valid for `days` from now (-1: expired yesterday).
 */
export async function signedCertificate(folder: string, name: string, subject: string, extension: string, days = 2): Promise<void> {
  const file = (suffix: string): string => path.join(folder, `${name}${suffix}`);
  await writeFile(file('.ext'), `${extension}\n`);
  await run('openssl', [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    file('.key'),
    '-out',
    file('.csr'),
    '-subj',
    subject,
  ]);
  const ca = ['-CA', path.join(folder, 'ca.crt'), '-CAkey', path.join(folder, 'ca.key'), '-CAcreateserial'];
  await run('openssl', ['x509', '-req', '-in', file('.csr'), ...ca, '-out', file('.crt'), '-days', String(days), '-extfile', file('.ext')]);
}

/** Stops a server by its PID and waits until the process is gone. */
export async function stopServer(pid: number): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  for (let waited = 0; signal(pid, 0); waited += 20) {
    if (waited === 5000) signal(pid, 'SIGKILL');
    await sleep(20);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** Spawns a server and waits until `ready` resolves; a server that exits first fails with its output. */
async function spawnServer(
  command: string,
  args: readonly string[],
  label: string,
  ready: () => Promise<void>,
  install: string,
): Promise<number> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`${error.message} (is it installed? ${install})`));
    child.once('exit', (code, signalName) => resolve(`exited with ${code ?? signalName}: ${output}`));
  });
  child.unref();
  const failure = await Promise.race([ready().then(() => undefined), exited]);
  if (failure !== undefined) {
    if (child.pid !== undefined) await stopServer(child.pid);
    throw new Error(`${label} did not start: ${failure}`);
  }
  return child.pid ?? -1;
}

async function answersPropfind(url: string): Promise<void> {
  const authorization = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
  for (let waited = 0; waited < STARTUP_LIMIT_MS; waited += 50) {
    try {
      const response = await fetch(url, { method: 'PROPFIND', headers: { Depth: '0', Authorization: authorization } });
      await response.arrayBuffer();
      if (response.status === 207) return;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new Error(`no answer at ${url} within ${STARTUP_LIMIT_MS / 1000} s`);
}

/** Apache over TLS with a CA Node's fetch does not know: readiness is the port accepting. */
async function waitForPort(port: number): Promise<void> {
  for (let waited = 0; waited < STARTUP_LIMIT_MS; waited += 50) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} within ${STARTUP_LIMIT_MS / 1000} s`);
}

/** Sends a signal; false when the process is already gone. */
function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}
