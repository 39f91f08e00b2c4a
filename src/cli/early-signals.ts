/**
 * SIGTERM and SIGINT from the very first line of the CLI. Loading the modules takes a while
 * (half a second on a slow store machine), and a stop signal in that time would otherwise end
 * the process by signal, unlogged: instead it is held until the command says what a stop
 * means to it (takeStopSignals), or until it turns out not to care (releaseStopSignals).
 * Imports nothing, so that the entry point can call holdStopSignals before anything loads.
 */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

const held: NodeJS.Signals[] = [];
let holding = false;

function hold(signal: NodeJS.Signals): void {
  held.push(signal);
}

export function holdStopSignals(): void {
  if (holding) return;
  holding = true;
  for (const signal of STOP_SIGNALS) process.on(signal, hold);
}

function stopHolding(): NodeJS.Signals[] {
  if (holding) for (const signal of STOP_SIGNALS) process.off(signal, hold);
  holding = false;
  return held.splice(0);
}

/** From now on `handler` receives SIGTERM and SIGINT; one that came while held is handed over at once. */
export function takeStopSignals(handler: (signal: NodeJS.Signals) => void): void {
  const early = stopHolding();
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  for (const signal of early) handler(signal);
}

/** For a command with nothing to stop cleanly: the signals end the process again, and one that came while held ends it now. */
export function releaseStopSignals(): void {
  const [first] = stopHolding();
  if (first !== undefined) process.kill(process.pid, first);
}
