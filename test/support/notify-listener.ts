import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A stand-in for systemd's notification socket: a real AF_UNIX datagram socket, bound by a
 * python3 child because Node cannot bind one. Point NOTIFY_SOCKET at `socketPath`.
 *
 * Like PID 1 it acknowledges the BARRIER=1 datagrams systemd-notify sends after each message
 * (by closing the file descriptor that comes with them); those are not recorded.
 */
export interface NotifyListener {
  readonly socketPath: string;
  /** Every datagram received so far, in order, as sent ("READY=1", "STATUS=...", ...). */
  messages(): readonly string[];
  /** Resolves with the messages once `predicate` holds for them; rejects after `timeoutMs`. */
  waitFor(predicate: (messages: readonly string[]) => boolean, timeoutMs: number): Promise<readonly string[]>;
  /** Kills the listener by PID and removes its folder. */
  stop(): Promise<void>;
}

const listenerScript = `
import array, json, os, socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
print(json.dumps({"bound": True}), flush=True)
fd_size = array.array("i").itemsize
while True:
    data, ancillary, _flags, _address = sock.recvmsg(65536, socket.CMSG_SPACE(16 * fd_size))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - len(payload) % fd_size])
            for fd in fds:
                os.close(fd)
    message = data.decode("utf-8", "replace")
    if message != "BARRIER=1":
        print(json.dumps({"message": message}), flush=True)
`;

export async function startNotifyListener(): Promise<NotifyListener> {
  const folder = await mkdtemp(join(tmpdir(), 'async-client-notify-'));
  const socketPath = join(folder, 'notify.sock');
  const child = spawn('python3', ['-c', listenerScript, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const received: string[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));

  const bound = new Promise<void>((resolveBound, rejectBound) => {
    child.once('error', rejectBound);
    child.once('exit', (code) => rejectBound(new Error(`notify listener exited (code ${code}) before binding ${socketPath}: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as { bound?: true; message?: string };
      if (event.bound) resolveBound();
      if (event.message !== undefined) {
        received.push(event.message);
        for (const wake of waiters) wake();
      }
    });
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    await rm(folder, { recursive: true, force: true });
  };

  try {
    await bound;
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    socketPath,
    messages: () => [...received],
    waitFor: (predicate, timeoutMs) =>
      new Promise((resolveWait, rejectWait) => {
        const check = (): void => {
          if (!predicate(received)) return;
          finish();
          resolveWait([...received]);
        };
        const timer = setTimeout(() => {
          finish();
          rejectWait(new Error(`notify listener: condition not met within ${timeoutMs} ms; received ${JSON.stringify(received)}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    stop,
  };
}
