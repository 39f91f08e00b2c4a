import { commandGroup } from '../command-group.js';
import { assignCommand } from '../profile/assign.js';
import { publishCommand } from '../profile/publish.js';

/** `async-client profile <subcommand>`: HQ's tools for the profiles it publishes to its stores. */
export const profileCommand = commandGroup({
  name: 'profile',
  summary: 'publish profiles at HQ and assign stores to them',
  intro: `HQ's tools for the profiles it publishes in the working folder for many stores at once
(docs/working-folder.md, Profiles). Each store adopts the profile assigned to it at its next
download cycle, without a restart.`,
  subcommands: [publishCommand, assignCommand],
});
