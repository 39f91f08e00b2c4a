/**
 * Prints the profile's JSON Schema. Regenerate the committed file after changing schema.ts:
 * `node dist/src/profile/export-schema.js > config/profile.schema.json`
 */
import { profileJsonSchemaText } from './json-schema.js';

process.stdout.write(profileJsonSchemaText());
