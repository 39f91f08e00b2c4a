/**
 * The profile as the daemon uses it: validated, defaults applied, every path absolute.
 * `loadProfile` (load.ts) is the only way to get one; the YAML shape it comes from is
 * specified by schema.ts and documented in config/profile.example.yaml.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The Async Server profile's own fields, named as in CDX. */
export interface AsyncServerProfile {
  readonly name: string;
  readonly description?: string;
  /** Whole minutes, 1..1440; used unless `schedule.download` overrides it. */
  readonly downloadIntervalMinutes: number;
  /** Whole minutes, 1..1440; used unless `schedule.upload` overrides it. */
  readonly uploadIntervalMinutes: number;
}

/** Croner patterns (seconds allowed) that override the intervals, already checked to parse. */
export interface ScheduleOverrides {
  readonly download?: string;
  readonly upload?: string;
  /** IANA zone the patterns are read in; the machine's zone when absent. */
  readonly timezone?: string;
}

export interface ChannelSettings {
  /** `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`: safe to put in file names. */
  readonly id: string;
  /** Absolute path of the SQLite channel database, or where the PostgreSQL one is. */
  readonly database: string | PostgresDatabaseSettings;
}

export type PostgresSslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

/** A channel database on a PostgreSQL server. */
export interface PostgresDatabaseSettings {
  readonly engine: 'postgres';
  /** `postgres://user@host:port/database`, without a password; the fields below override its parts. */
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  readonly user?: string;
  /** A secret read from `passwordFile` or `passwordEnv`; else PGPASSWORD. Never log it (see SECRET_FIELDS). */
  readonly password?: string;
  /** Schema of the store's tables. */
  readonly schema: string;
  /** Schema of the session journal, created and migrated by the daemon. */
  readonly journalSchema: string;
  readonly sslmode: PostgresSslMode;
  /** Absolute path of the PEM file of the CA that signed the server's certificate. */
  readonly caFile?: string;
  readonly lockTimeoutSeconds: number;
  /** 0: no limit. */
  readonly statementTimeoutSeconds: number;
}

export interface LocalWorkingFolderSettings {
  readonly adapter: 'local';
  /** Absolute path of the local or network-mounted folder. */
  readonly path: string;
  /** The path is where a share is mounted: unreachable, never empty, when nothing is mounted. */
  readonly mountPoint?: boolean;
}

export interface WebDavWorkingFolderSettings {
  readonly adapter: 'webdav';
  readonly url: string;
  readonly username?: string;
  /** A secret: from `password`, or read from `passwordFile` or `passwordEnv`; never log it (see SECRET_FIELDS). */
  readonly password?: string;
  /** A secret read from `bearerTokenFile` or `bearerTokenEnv`; sent instead of Basic. */
  readonly bearerToken?: string;
  readonly timeoutSeconds: number;
  /** Absolute paths of PEM files for https. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
}

export type WorkingFolderSettings = LocalWorkingFolderSettings | WebDavWorkingFolderSettings;

export interface HealthEndpointSettings {
  readonly host: string;
  readonly port: number;
}

export interface DaemonSettings {
  readonly shutdownGraceSeconds: number;
  /** Upper bound of the random offset applied to each store's first cycle. */
  readonly startJitterSeconds: number;
  /** Finished sessions older than this many days leave the journal; 0 keeps them. */
  readonly journalRetentionDays: number;
  /** Serves /healthz and /metrics when present. */
  readonly health?: HealthEndpointSettings;
}

export interface DownloadSettings {
  readonly tryLimit: number;
  /** Delay before the first retry; doubles per try. */
  readonly retryBackoffSeconds: number;
  /** A sequence gap older than this is reported. */
  readonly gapReportMinutes: number;
  /** Whether a full package may create a table the channel database lacks. */
  readonly allowCreateTables: boolean;
  /** How often a WebDAV download area is polled for new packages (and a local one when `watchPolling`); 0: the timer only. */
  readonly pollSeconds: number;
  /** Poll a local download area instead of waiting for file events (network shares). */
  readonly watchPolling: boolean;
  /** Absolute path of HQ's Ed25519 public key (PEM); when set, unsigned packages are refused. */
  readonly publicKey?: string;
}

export interface UploadTable {
  /** A plain SQL identifier. */
  readonly name: string;
  /** An integer column that only grows (`rowid` allowed): the watermark is kept on it. */
  readonly counterColumn: string;
  /** Optional SQL boolean expression limiting which rows are uploaded. */
  readonly filter?: string;
}

export interface UploadSettings {
  readonly maxRowsPerPackage: number;
  /** Wait after the first failed try; doubles per failed try. */
  readonly retryBackoffSeconds: number;
  /** Longest wait between tries (the upload interval caps it too). */
  readonly retryBackoffMaxSeconds: number;
  readonly tables: readonly UploadTable[];
}

export interface Profile {
  /** Absolute path of the file this profile was loaded from. */
  readonly sourcePath: string;
  readonly profile: AsyncServerProfile;
  readonly schedule: ScheduleOverrides;
  readonly channel: ChannelSettings;
  readonly workingFolder: WorkingFolderSettings;
  /** Absolute path of the folder holding the daemon's own state. */
  readonly stateDirectory: string;
  readonly log: { readonly level: LogLevel };
  readonly daemon: DaemonSettings;
  readonly download: DownloadSettings;
  readonly upload: UploadSettings;
}

/** Field paths that hold secrets: redact them in logs (pino `redact`) and in diffs. */
export const SECRET_FIELDS: readonly string[] = ['workingFolder.password', 'workingFolder.bearerToken', 'channel.database.password'];
