/** Stops the run's WebDAV server, which global-setup.ts started, by its PID. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.stopTestWebDavServer?.();
}
