/**
 * Checks a JSON Schema cannot express, run on a profile the schema accepted: patterns that
 * croner cannot read, time zones that do not exist, settings that contradict each other.
 */
import { Cron } from 'croner';
import type { DefaultedDocument } from './resolve.js';
import { CRON_EXPECTATION, TIMEZONE_EXPECTATION } from './schema.js';
import { describeFound } from './schema-problems.js';
import type { FieldProblem } from './yaml-source.js';

export function semanticProblems(document: DefaultedDocument): FieldProblem[] {
  return [...scheduleProblems(document), ...passwordProblems(document), ...uploadTableProblems(document)];
}

/** The same checks on a profile HQ publishes, which has no working folder. */
export function publishedSemanticProblems(document: Pick<DefaultedDocument, 'schedule' | 'upload'>): FieldProblem[] {
  return [...scheduleProblems(document), ...uploadTableProblems(document)];
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why croner refuses a pattern, or undefined when it accepts it and it fires at least once more. */
function cronPatternProblem(pattern: string, timezone?: string): string | undefined {
  try {
    const job = new Cron(pattern, { paused: true, ...(timezone === undefined ? {} : { timezone }) });
    return job.nextRun() === null ? 'a pattern that never fires again' : undefined;
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
  }
}

function scheduleProblems({ schedule }: Pick<DefaultedDocument, 'schedule'>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const zone = schedule.timezone;
  const zoneIsValid = zone === undefined || isTimeZone(zone);
  if (!zoneIsValid) {
    problems.push({
      path: ['schedule', 'timezone'],
      target: 'value',
      expected: TIMEZONE_EXPECTATION,
      found: `${describeFound(zone)}, which is not a known time zone`,
    });
  }
  for (const direction of ['download', 'upload'] as const) {
    const pattern = schedule[direction];
    if (pattern === undefined) continue;
    const reason = cronPatternProblem(pattern, zoneIsValid ? zone : undefined);
    if (reason !== undefined) {
      problems.push({
        path: ['schedule', direction],
        target: 'value',
        expected: CRON_EXPECTATION,
        found: `${describeFound(pattern)} (${reason})`,
      });
    }
  }
  return problems;
}

/** Each secret from one place, a client certificate with its key, TLS files only for https. */
function passwordProblems({ workingFolder }: DefaultedDocument): FieldProblem[] {
  if (workingFolder.adapter !== 'webdav') return [];
  const problems: FieldProblem[] = [];
  const oneOf = (fields: ReadonlyArray<'password' | 'passwordFile' | 'passwordEnv' | 'bearerTokenFile' | 'bearerTokenEnv'>): void => {
    const given = fields.filter((field) => workingFolder[field] !== undefined);
    const second = given[1];
    if (second !== undefined) {
      const found = given.length === 2 ? 'both' : `all of ${given.join(', ')}`;
      problems.push({ path: ['workingFolder', second], target: 'key', expected: `only one of ${fields.join(', ')}`, found });
    }
  };
  oneOf(['password', 'passwordFile', 'passwordEnv']);
  oneOf(['bearerTokenFile', 'bearerTokenEnv']);
  const tls = workingFolder.tls;
  if (tls !== undefined && (tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    const missing = tls.certFile === undefined ? 'certFile' : 'keyFile';
    problems.push({ path: ['workingFolder', 'tls'], target: 'key', expected: 'certFile and keyFile together', found: `no ${missing}` });
  }
  if (tls !== undefined && !workingFolder.url.startsWith('https://')) {
    problems.push({
      path: ['workingFolder', 'tls'],
      target: 'key',
      expected: 'tls only with an https:// url',
      found: workingFolder.url.split('/')[0] ?? '',
    });
  }
  return problems;
}

function uploadTableProblems({ upload }: Pick<DefaultedDocument, 'upload'>): FieldProblem[] {
  const tables = upload.tables;
  return tables.flatMap((table, index) =>
    tables.findIndex((other) => other.name === table.name) < index
      ? [
          {
            path: ['upload', 'tables', index, 'name'],
            target: 'value' as const,
            expected: 'each table listed once',
            found: `${describeFound(table.name)} a second time`,
          },
        ]
      : [],
  );
}
