/** The profile's `workingFolder` section: the place shared with HQ, a local path or a WebDAV server. */
import { Type } from '@sinclair/typebox';
import { expecting, wholeNumber, text, secretEnvField, secretFileField } from './schema-kit.js';

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
    passwordFile: secretFileField(
      'Password file',
      'File holding the password (trailing newline ignored), e.g. from systemd LoadCredential=',
    ),
    passwordEnv: secretEnvField('Password variable', 'Environment variable holding the password.'),
    bearerTokenFile: secretFileField('Bearer token file', 'File holding a token sent as `Authorization: Bearer` instead of Basic'),
    bearerTokenEnv: secretEnvField(
      'Bearer token variable',
      'Environment variable holding a token sent as `Authorization: Bearer` instead of Basic.',
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

export const WorkingFolderSchema = Type.Union([LocalWorkingFolderSchema, WebDavWorkingFolderSchema], {
  title: 'Working folder',
  description: 'The place shared with HQ; `adapter` picks how it is reached.',
  ...expecting('a map with adapter "local" or "webdav"'),
});
