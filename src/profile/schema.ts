/**
 * The profile's YAML shape: the single source of truth. It validates profiles at run time
 * (load.ts) and is exported as config/profile.schema.json for editors (json-schema.ts).
 *
 * Every leaf carries `errorMessage`, the vendor keyword that VS Code and yaml-language-server
 * show instead of their generic text; our own error lines use the same words.
 */
import { Type } from '@sinclair/typebox';
import { UPLOAD_RETRY_FIRST_SECONDS, UPLOAD_RETRY_MAX_SECONDS } from '../upload/retry-backoff.js';
import type { LogLevel } from './profile.js';
import { ChannelSchema } from './schema-channel.js';
import { expecting, wholeNumber, text, section, defaultedSection, IDENTIFIER, IDENTIFIER_PHRASE } from './schema-kit.js';
import { WorkingFolderSchema } from './schema-working-folder.js';

const CRON_PHRASE = 'a croner pattern such as "0 */15 8-22 * * *" (seconds, minutes, hours, day of month, month, day of week)';
export const CRON_EXPECTATION = CRON_PHRASE;
export const TIMEZONE_EXPECTATION = 'an IANA time zone such as "Europe/Paris"';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LOG_LEVEL_EXPECTATION = expecting(`one of ${LOG_LEVELS.join(', ')}`);

export const AsyncServerProfileSchema = section(
  {
    name: text('text of 1 to 100 characters', {
      maxLength: 100,
      title: 'Profile name',
      description: 'Name of the Async Server profile, shown in logs and status.',
    }),
    description: Type.Optional(
      text('text of 1 to 1000 characters', { maxLength: 1000, title: 'Description', description: 'Free text about this profile.' }),
    ),
    downloadIntervalMinutes: wholeNumber(1, 1440, 'minutes', {
      title: 'Download interval (minutes)',
      description: 'Minutes between download cycles, unless schedule.download overrides it.',
    }),
    uploadIntervalMinutes: wholeNumber(1, 1440, 'minutes', {
      title: 'Upload interval (minutes)',
      description: 'Minutes between upload cycles, unless schedule.upload overrides it.',
    }),
  },
  { title: 'Async Server profile', description: "The Async Server profile's own fields, named as in Commerce Data Exchange." },
);

export const ScheduleSchema = defaultedSection(
  {
    download: Type.Optional(
      text(CRON_PHRASE, {
        title: 'Download pattern',
        description: 'Croner pattern (seconds allowed) that replaces profile.downloadIntervalMinutes.',
      }),
    ),
    upload: Type.Optional(
      text(CRON_PHRASE, {
        title: 'Upload pattern',
        description: 'Croner pattern (seconds allowed) that replaces profile.uploadIntervalMinutes.',
      }),
    ),
    timezone: Type.Optional(
      text(TIMEZONE_EXPECTATION, {
        title: 'Time zone',
        description: "IANA time zone the patterns are read in; the machine's zone when absent.",
      }),
    ),
  },
  {
    title: 'Schedule overrides',
    description: 'Optional cron patterns that override the intervals, e.g. "every 15 minutes during opening hours".',
  },
);

const LogSchema = defaultedSection(
  {
    level: Type.Optional(
      Type.Union(
        LOG_LEVELS.map((level) => Type.Literal(level, LOG_LEVEL_EXPECTATION)),
        { default: 'info', title: 'Log level', description: 'Least severe level written to the log.', ...LOG_LEVEL_EXPECTATION },
      ),
    ),
  },
  { title: 'Log', description: 'Logging (JSON lines on stdout).' },
);

const HealthSchema = Type.Optional(
  Type.Object(
    {
      host: Type.Optional(
        text('a host name or IP address', { default: '127.0.0.1', title: 'Host', description: 'Address the health endpoint listens on.' }),
      ),
      port: Type.Optional(
        Type.Integer({
          title: 'Port',
          description: 'TCP port of the health endpoint; 0 picks a free one.',
          default: 9465,
          minimum: 0,
          maximum: 65535,
          ...expecting('a TCP port number from 0 to 65535 (0 picks a free one)'),
        }),
      ),
    },
    {
      additionalProperties: false,
      ...expecting('a map of fields'),
      title: 'Health endpoint',
      description: 'Serves /healthz and /metrics when present.',
    },
  ),
);

const DaemonSchema = defaultedSection(
  {
    shutdownGraceSeconds: Type.Optional(
      wholeNumber(1, 3600, 'seconds', {
        default: 30,
        title: 'Shutdown grace (seconds)',
        description: 'How long a stop waits for a cycle in flight.',
      }),
    ),
    startJitterSeconds: Type.Optional(
      wholeNumber(0, 3600, 'seconds', {
        default: 30,
        title: 'Start jitter (seconds)',
        description:
          'Largest delay of a cycle scheduled by a pattern, stable per store, so that a fleet does not hit HQ at the same second (interval schedules are spread over the whole interval instead).',
      }),
    ),
    journalRetentionDays: Type.Optional(
      wholeNumber(0, 3650, 'days', {
        default: 90,
        title: 'Journal retention (days)',
        description:
          'Finished sessions (Applied, Canceled, Uploaded) older than this are removed from the journal by the hourly housekeeping, in small batches; 0 keeps them all. Pending sessions and the newest of each direction are never removed.',
      }),
    ),
    health: HealthSchema,
  },
  { title: 'Daemon', description: 'Lifecycle, journal retention and health endpoint.' },
);

/** The download options HQ may also set in a published profile: all but the key the store pins. */
const downloadTuning = {
  tryLimit: Type.Optional(
    wholeNumber(1, 100, 'tries', { default: 3, title: 'Try limit', description: 'Tries before a failing package is Suspended.' }),
  ),
  retryBackoffSeconds: Type.Optional(
    wholeNumber(1, 86400, 'seconds', {
      default: 60,
      title: 'Retry backoff (seconds)',
      description: 'Delay before the first retry; doubles per try.',
    }),
  ),
  gapReportMinutes: Type.Optional(
    wholeNumber(1, 10080, 'minutes', {
      default: 60,
      title: 'Gap report (minutes)',
      description: 'A sequence gap older than this is reported.',
    }),
  ),
  allowCreateTables: Type.Optional(
    Type.Boolean({
      default: false,
      title: 'Allow creating tables',
      description: 'Whether a full package may create a table the channel database lacks.',
      ...expecting('true or false'),
    }),
  ),
};

const DOWNLOAD_ANNOTATIONS = { title: 'Download', description: 'Options of the download cycle.' };

const DownloadSchema = defaultedSection(
  {
    ...downloadTuning,
    pollSeconds: Type.Optional(
      wholeNumber(0, 3600, 'seconds', {
        default: 60,
        title: 'Pick-up poll (seconds)',
        description:
          'How often a WebDAV download area is listed for new packages (one request), and a local one polled when watchPolling is true; a new package starts a download cycle at once. 0: the timer only.',
      }),
    ),
    watchPolling: Type.Optional(
      Type.Boolean({
        default: false,
        title: 'Poll a local folder',
        description: 'Poll a local download area every pollSeconds instead of waiting for file events: for network shares (NFS, SMB).',
        ...expecting('true or false'),
      }),
    ),
    publicKey: Type.Optional(
      text('a file path', {
        title: "HQ's public key",
        description:
          "PEM file of HQ's Ed25519 public key; when set, unsigned packages are refused. Relative paths resolve against this file's folder.",
      }),
    ),
  },
  DOWNLOAD_ANNOTATIONS,
);

/** The download section of a profile HQ publishes (src/profile/hq): no key, since the key is what checks HQ. */
export const PublishedDownloadSchema = defaultedSection(downloadTuning, DOWNLOAD_ANNOTATIONS);

const UploadTableSchema = Type.Object(
  {
    name: text(IDENTIFIER_PHRASE, { pattern: IDENTIFIER, title: 'Table', description: 'Name of a table in the channel database.' }),
    counterColumn: text(IDENTIFIER_PHRASE, {
      pattern: IDENTIFIER,
      title: 'Counter column',
      description: 'Integer column that only grows (`rowid` allowed); the watermark is kept on it.',
    }),
    filter: Type.Optional(
      text('an SQL boolean expression', {
        title: 'Filter',
        description: 'SQL boolean expression limiting the uploaded rows, e.g. "store_id = 42".',
      }),
    ),
  },
  { additionalProperties: false, ...expecting('a map of fields'), title: 'Upload table' },
);

export const UploadSchema = defaultedSection(
  {
    maxRowsPerPackage: Type.Optional(
      wholeNumber(1, 10_000_000, 'rows', {
        default: 50_000,
        title: 'Rows per package',
        description: 'Largest number of rows in one upload package.',
      }),
    ),
    retryBackoffSeconds: Type.Optional(
      wholeNumber(1, 3600, 'seconds', {
        default: UPLOAD_RETRY_FIRST_SECONDS,
        title: 'Retry backoff (seconds)',
        description: 'Wait after a failed upload before the next try; doubles per failed try.',
      }),
    ),
    retryBackoffMaxSeconds: Type.Optional(
      wholeNumber(1, 86400, 'seconds', {
        default: UPLOAD_RETRY_MAX_SECONDS,
        title: 'Longest retry backoff (seconds)',
        description:
          'Longest wait between two tries; never longer than the upload interval, so that uploads resume within one interval of the server coming back.',
      }),
    ),
    tables: Type.Optional(
      Type.Array(UploadTableSchema, {
        default: [],
        title: 'Tables',
        description: 'Tables whose new rows are uploaded.',
        ...expecting('a list of tables'),
      }),
    ),
  },
  { title: 'Upload', description: 'Options of the upload cycle.' },
);

export const ProfileSchema = Type.Object(
  {
    profile: AsyncServerProfileSchema,
    schedule: ScheduleSchema,
    channel: ChannelSchema,
    workingFolder: WorkingFolderSchema,
    stateDirectory: Type.Optional(
      text('a folder path', {
        default: '/var/lib/async-client',
        title: 'State directory',
        description: "Folder of the daemon's own state; relative paths resolve against this file's folder.",
      }),
    ),
    log: LogSchema,
    daemon: DaemonSchema,
    download: DownloadSchema,
    upload: UploadSchema,
    storeOverrides: Type.Optional(
      Type.Array(
        text('a field HQ may set, such as "profile.uploadIntervalMinutes", or a whole section such as "schedule"', {
          title: 'Field',
          description: 'A section or section.field of the published profile.',
        }),
        {
          default: [],
          title: 'Store overrides',
          description:
            'Fields of this file that win over the profile HQ publishes for this store (docs/working-folder.md, Profiles): a section (profile, schedule, download, upload) or one of its fields.',
          ...expecting('a list of field names'),
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    ...expecting('a map of profile sections (profile, channel, workingFolder, ...)'),
    title: 'async-client profile',
    description: 'Profile of the async-client store daemon: see config/profile.example.yaml.',
  },
);
