/**
 * The profile's YAML shape: the single source of truth. It validates profiles at run time
 * (load.ts) and is exported as config/profile.schema.json for editors (json-schema.ts).
 *
 * Every leaf carries `errorMessage`, the vendor keyword that VS Code and yaml-language-server
 * show instead of their generic text; our own error lines use the same words.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { UPLOAD_RETRY_FIRST_SECONDS, UPLOAD_RETRY_MAX_SECONDS } from '../upload/retry-backoff.js';
import type { LogLevel } from './profile.js';

interface Annotations {
  readonly title: string;
  readonly description: string;
}

interface Defaulted<T> extends Annotations {
  readonly default?: T;
}

/** The `errorMessage` of every leaf starts with this; issues keep only what follows. */
const EXPECTED_PREFIX = 'expected ';

export function expecting(phrase: string): { errorMessage: string } {
  return { errorMessage: `${EXPECTED_PREFIX}${phrase}` };
}

function wholeNumber(minimum: number, maximum: number, unit: string, options: Defaulted<number>) {
  return Type.Integer({ ...options, minimum, maximum, ...expecting(`a whole number of ${unit} from ${minimum} to ${maximum}`) });
}

function text(phrase: string, options: Defaulted<string> & { minLength?: number; maxLength?: number; pattern?: string }) {
  return Type.String({ minLength: 1, ...options, ...expecting(phrase) });
}

function section<T extends Parameters<typeof Type.Object>[0]>(properties: T, annotations: Annotations) {
  return Type.Object(properties, { additionalProperties: false, ...expecting('a map of fields'), ...annotations });
}

/** A section whose fields all have defaults: it may be left out. */
function defaultedSection<T extends Parameters<typeof Type.Object>[0]>(properties: T, annotations: Annotations) {
  return Type.Optional(
    Type.Object(properties, { additionalProperties: false, default: {}, ...expecting('a map of fields'), ...annotations }),
  );
}

const CRON_PHRASE = 'a croner pattern such as "0 */15 8-22 * * *" (seconds, minutes, hours, day of month, month, day of week)';
export const CRON_EXPECTATION = CRON_PHRASE;
export const TIMEZONE_EXPECTATION = 'an IANA time zone such as "Europe/Paris"';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LOG_LEVEL_EXPECTATION = expecting(`one of ${LOG_LEVELS.join(', ')}`);
const IDENTIFIER = '^[A-Za-z_][A-Za-z0-9_]*$';
const IDENTIFIER_PHRASE = "a plain SQL identifier (letters, digits and '_', not starting with a digit)";
const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const ENV_NAME_PHRASE = "an environment variable name (letters, digits and '_', not starting with a digit)";

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

const PostgresDatabaseSchema = Type.Object(
  {
    engine: Type.Literal('postgres', {
      ...expecting('"postgres"'),
      title: 'Engine',
      description: 'A PostgreSQL server holds the channel database.',
    }),
    url: Type.Optional(
      text('a postgres:// URL without a password', {
        pattern: '^postgres(ql)?://[^:@/]*(@|/|$)',
        title: 'URL',
        description: 'postgres://user@host:port/database; a password never goes here (passwordFile, passwordEnv or PGPASSWORD).',
      }),
    ),
    host: Type.Optional(text('a host name or IP address', { title: 'Host', description: 'Server host; overrides the URL.' })),
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        title: 'Port',
        description: 'Server port; default 5432.',
        ...expecting('a TCP port number from 1 to 65535'),
      }),
    ),
    database: Type.Optional(text('a database name', { title: 'Database', description: 'Database name; overrides the URL.' })),
    user: Type.Optional(text('a user name', { title: 'User', description: 'The service user; overrides the URL.' })),
    passwordFile: Type.Optional(
      text('a file path', {
        title: 'Password file',
        description:
          "File holding the password (trailing newline ignored), e.g. from systemd LoadCredential=; relative paths resolve against this file's folder.",
      }),
    ),
    passwordEnv: Type.Optional(
      text(ENV_NAME_PHRASE, {
        pattern: ENV_NAME,
        title: 'Password variable',
        description: 'Environment variable holding the password; PGPASSWORD when neither is set.',
      }),
    ),
    schema: Type.Optional(
      text(IDENTIFIER_PHRASE, { pattern: IDENTIFIER, default: 'public', title: 'Schema', description: "Schema of the store's tables." }),
    ),
    journalSchema: Type.Optional(
      text(IDENTIFIER_PHRASE, {
        pattern: IDENTIFIER,
        default: 'async_client',
        title: 'Journal schema',
        description: 'Schema of the session journal and watermarks, created and migrated by the daemon.',
      }),
    ),
    sslmode: Type.Optional(
      Type.Union(
        ['disable', 'require', 'verify-ca', 'verify-full'].map((mode) =>
          Type.Literal(mode, expecting('one of disable, require, verify-ca, verify-full')),
        ),
        {
          default: 'disable',
          title: 'SSL mode',
          description: "As libpq's sslmode.",
          ...expecting('one of disable, require, verify-ca, verify-full'),
        },
      ),
    ),
    caFile: Type.Optional(
      text('a file path', {
        title: 'CA file',
        description: "PEM file of the CA that signed the server's certificate (verify-ca, verify-full).",
      }),
    ),
    lockTimeoutSeconds: Type.Optional(
      wholeNumber(1, 600, 'seconds', {
        default: 5,
        title: 'Lock timeout (seconds)',
        description: 'How long a statement waits for a lock the POS holds.',
      }),
    ),
    statementTimeoutSeconds: Type.Optional(
      wholeNumber(0, 86400, 'seconds', {
        default: 0,
        title: 'Statement timeout (seconds)',
        description: 'A statement running longer fails and is retried; 0: no limit.',
      }),
    ),
  },
  { additionalProperties: false, ...expecting('a map of fields'), title: 'PostgreSQL channel database' },
);

const ChannelSchema = section(
  {
    id: text("1 to 64 letters, digits, '_' or '-', starting with a letter or digit", {
      pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
      title: 'Channel id',
      description: "This store's channel id, as HQ knows it; it appears in package file names.",
    }),
    database: Type.Optional(
      Type.Union(
        [
          text('a file path', {
            title: 'SQLite channel database',
            description:
              "Path of the SQLite channel database; default <stateDirectory>/channel.sqlite. Relative paths resolve against this file's folder.",
          }),
          PostgresDatabaseSchema,
        ],
        {
          title: 'Channel database',
          description: 'The SQLite file path, or a map with engine "postgres" for a PostgreSQL server.',
          ...expecting('a file path, or a map with engine "postgres"'),
        },
      ),
    ),
  },
  { title: 'Channel', description: 'The store channel this daemon keeps in step with HQ.' },
);

const LocalWorkingFolderSchema = Type.Object(
  {
    adapter: Type.Literal('local', {
      ...expecting('"local" or "webdav"'),
      title: 'Adapter',
      description: 'A local or network-mounted folder.',
    }),
    path: text('a folder path', {
      title: 'Folder',
      description: "Path of the working folder; relative paths resolve against this file's folder.",
    }),
    mountPoint: Type.Optional(
      Type.Boolean({
        title: 'Mount point',
        description:
          'The path is where a network share is mounted: when the share is not mounted there, the folder is unreachable (E_FOLDER_UNREACHABLE), never an empty folder.',
        ...expecting('true or false'),
      }),
    ),
  },
  { additionalProperties: false, title: 'Local working folder' },
);

const WebDavWorkingFolderSchema = Type.Object(
  {
    adapter: Type.Literal('webdav', {
      ...expecting('"local" or "webdav"'),
      title: 'Adapter',
      description: 'A folder on a WebDAV server, reached over HTTP(S).',
    }),
    url: text('an http:// or https:// URL', {
      pattern: '^https?://',
      title: 'URL',
      description: 'URL of the working folder on the WebDAV server.',
    }),
    username: Type.Optional(text('text', { title: 'User name', description: 'User name for HTTP basic authentication.' })),
    password: Type.Optional(text('text', { title: 'Password', description: 'Secret; redacted in logs. Prefer passwordFile.' })),
    passwordFile: Type.Optional(
      text('a file path', {
        title: 'Password file',
        description:
          "File holding the password (trailing newline ignored), e.g. from systemd LoadCredential=; relative paths resolve against this file's folder.",
      }),
    ),
    passwordEnv: Type.Optional(
      text(ENV_NAME_PHRASE, { pattern: ENV_NAME, title: 'Password variable', description: 'Environment variable holding the password.' }),
    ),
    bearerTokenFile: Type.Optional(
      text('a file path', {
        title: 'Bearer token file',
        description:
          "File holding a token sent as `Authorization: Bearer` instead of Basic; relative paths resolve against this file's folder.",
      }),
    ),
    bearerTokenEnv: Type.Optional(
      text(ENV_NAME_PHRASE, {
        pattern: ENV_NAME,
        title: 'Bearer token variable',
        description: 'Environment variable holding a token sent as `Authorization: Bearer` instead of Basic.',
      }),
    ),
    tls: Type.Optional(
      Type.Object(
        {
          caFile: Type.Optional(
            text('a file path', { title: 'CA file', description: "PEM file of HQ's CA, trusted instead of the system's CAs." }),
          ),
          certFile: Type.Optional(
            text('a file path', { title: 'Client certificate', description: "PEM file of this store's client certificate (mutual TLS)." }),
          ),
          keyFile: Type.Optional(
            text('a file path', { title: 'Client key', description: "PEM file of the client certificate's private key (a secret)." }),
          ),
        },
        {
          additionalProperties: false,
          ...expecting('a map of fields'),
          title: 'TLS',
          description: "Files for https: HQ's CA and a client certificate; relative paths resolve against this file's folder.",
        },
      ),
    ),
    timeoutSeconds: Type.Optional(
      wholeNumber(1, 600, 'seconds', { default: 30, title: 'Timeout (seconds)', description: 'Time limit of one HTTP request.' }),
    ),
  },
  { additionalProperties: false, title: 'WebDAV working folder' },
);

const WorkingFolderSchema = Type.Union([LocalWorkingFolderSchema, WebDavWorkingFolderSchema], {
  title: 'Working folder',
  description: 'The place shared with HQ; `adapter` picks how it is reached.',
  ...expecting('a map with adapter "local" or "webdav"'),
});

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

/** What the phrase after "expected" is for a schema node, or a generic one by type. */
export function expectationOf(schema: TSchema): string {
  const message: unknown = schema.errorMessage;
  if (typeof message === 'string' && message.startsWith(EXPECTED_PREFIX)) return message.slice(EXPECTED_PREFIX.length);
  return 'a valid value';
}
