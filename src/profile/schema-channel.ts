/** The profile's `channel` section: the store's channel id and its database, a SQLite file or a PostgreSQL server. */
import { Type } from '@sinclair/typebox';
import { expecting, wholeNumber, text, section, IDENTIFIER, IDENTIFIER_PHRASE, secretEnvField, secretFileField } from './schema-kit.js';

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
    passwordFile: secretFileField(
      'Password file',
      'File holding the password (trailing newline ignored), e.g. from systemd LoadCredential=',
    ),
    passwordEnv: secretEnvField('Password variable', 'Environment variable holding the password; PGPASSWORD when neither is set.'),
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

export const ChannelSchema = section(
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
