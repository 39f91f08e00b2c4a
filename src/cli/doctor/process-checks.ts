import { createServer } from 'node:net';
import { describeHolder, InstanceLock, type LockState } from '../../daemon/instance-lock.js';
import { errorCode, errorMessage } from '../../errors.js';
import { CYCLE_DIRECTIONS } from '../../profile/cycle-schedule.js';
import type { Profile } from '../../profile/profile.js';
import { type CheckResult, fail, ok, warn } from './check-result.js';

/** Whether the daemon (or a one-shot cycle) runs this store now: the same locks a start would take. */
export async function instanceCheck(profile: Profile): Promise<{ result: CheckResult; running: boolean }> {
  const held: string[] = [];
  for (const direction of CYCLE_DIRECTIONS) {
    const state: LockState = await InstanceLock.probe(profile.stateDirectory, direction);
    if (state.held) held.push(`${direction}: ${describeHolder(state.holder)}`);
  }
  if (held.length === 0) return { result: ok('instance', 'no async-client runs this store now'), running: false };
  return {
    result: warn(
      'instance',
      `this store's cycles run now (${held.join('; ')}): a second daemon or a one-shot cycle of the same direction is refused`,
      'nothing to do if that is the service; else stop that process first',
    ),
    running: true,
  };
}

/** The health port can be listened on, or is the running daemon's own. */
export async function healthPortCheck(profile: Profile, daemonRunning: boolean): Promise<CheckResult> {
  const health = profile.daemon.health;
  if (health === undefined) return ok('health-port', 'none configured (daemon.health): no status page, /healthz or /metrics');
  if (health.port === 0) return ok('health-port', `${health.host}: any free port`);
  const where = `${health.host}:${health.port}`;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(health.port, health.host, () => resolve());
    });
    return ok('health-port', `${where} is free`);
  } catch (error) {
    if (errorCode(error) === 'EADDRINUSE' && daemonRunning) return ok('health-port', `${where} is in use, by the running daemon`);
    return fail(
      'health-port',
      `cannot listen on ${where}: ${errorMessage(error)}`,
      `free ${where} (ss -ltnp 'sport = :${health.port}' shows who holds it) or choose another daemon.health.port`,
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
