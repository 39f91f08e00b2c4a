// Runs `async-client package ...` from the build until src/cli/main.ts registers the command;
// test/cli/package-cli.ts prefers the real binary once it does.
import { packageCommand } from '../../dist/src/cli/commands/package.js';

process.exitCode = await packageCommand.run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
