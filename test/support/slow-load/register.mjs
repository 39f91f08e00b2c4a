// Preloaded with `node --import` (NODE_OPTIONS) into a spawned CLI: holds the loading of the
// CLI's commands (dispatch.js, bundled or not) for a while, after touching the file
// $SLOW_LOAD_MARKER, so that a test can send a signal while the modules are known to be loading.
// Plain JavaScript: it runs in the child process, outside jest and SWC.
import { register } from 'node:module';

register(new URL('./hooks.mjs', import.meta.url), { data: { marker: process.env.SLOW_LOAD_MARKER } });
