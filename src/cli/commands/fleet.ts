import { commandGroup } from '../command-group.js';
import { fleetStatusCommand } from '../fleet/status.js';

/** `async-client fleet <subcommand>`: HQ's view of its stores. */
export const fleetCommand = commandGroup({
  name: 'fleet',
  summary: "HQ's view of every store: heartbeats, what was applied, what needs someone",
  intro: `HQ's tools for seeing the whole fleet from the working folder it shares with the stores
(docs/working-folder.md, Heartbeat).`,
  subcommands: [fleetStatusCommand],
});
