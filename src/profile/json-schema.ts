import { ProfileSchema } from './schema.js';

/** The JSON Schema dialect editors understand best; the schema uses nothing newer. */
const DIALECT = 'http://json-schema.org/draft-07/schema#';

/** The text of config/profile.schema.json, as export-schema.ts writes it and a test checks it. */
export function profileJsonSchemaText(): string {
  return `${JSON.stringify({ $schema: DIALECT, ...ProfileSchema }, null, 2)}\n`;
}
