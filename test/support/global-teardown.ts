/** Stops the run's WebDAV servers, which global-setup.ts started, by their PIDs. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.stopTestWebDavServer?.();
}
