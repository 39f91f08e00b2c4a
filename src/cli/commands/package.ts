import { commandGroup } from '../command-group.js';
import { fanoutCommand } from '../package/fanout.js';
import { inspectCommand } from '../package/inspect.js';
import { keygenCommand } from '../package/keygen.js';
import { packCommand } from '../package/pack.js';
import { unpackCommand } from '../package/unpack.js';
import { verifyCommand } from '../package/verify.js';

/** `async-client package <subcommand>`: one command per subcommand, named `package <subcommand>`. */
export const packageCommand = commandGroup({
  name: 'package',
  summary: 'pack, inspect, verify and unpack data packages; make signing keys',
  intro: 'Tools for the data package format (docs/package-format.md) that HQ integrators and operators use.',
  subcommands: [packCommand, fanoutCommand, inspectCommand, verifyCommand, unpackCommand, keygenCommand],
});
