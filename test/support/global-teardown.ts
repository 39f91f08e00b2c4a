/** Stops the run's WebDAV servers and PostgreSQL cluster, which global-setup.ts started, by their PIDs. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.stopTestServers?.();
}
