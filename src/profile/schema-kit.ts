/**
 * The pieces every part of the profile schema is built from. Every leaf carries `errorMessage`,
 * the vendor keyword that VS Code and yaml-language-server show instead of their generic text;
 * our own error lines use the same words (expectationOf).
 */
import { Type, type TSchema } from '@sinclair/typebox';

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

export function wholeNumber(minimum: number, maximum: number, unit: string, options: Defaulted<number>) {
  return Type.Integer({ ...options, minimum, maximum, ...expecting(`a whole number of ${unit} from ${minimum} to ${maximum}`) });
}

export function text(phrase: string, options: Defaulted<string> & { minLength?: number; maxLength?: number; pattern?: string }) {
  return Type.String({ minLength: 1, ...options, ...expecting(phrase) });
}

export function section<T extends Parameters<typeof Type.Object>[0]>(properties: T, annotations: Annotations) {
  return Type.Object(properties, { additionalProperties: false, ...expecting('a map of fields'), ...annotations });
}

/** A section whose fields all have defaults: it may be left out. */
export function defaultedSection<T extends Parameters<typeof Type.Object>[0]>(properties: T, annotations: Annotations) {
  return Type.Optional(
    Type.Object(properties, { additionalProperties: false, default: {}, ...expecting('a map of fields'), ...annotations }),
  );
}

export const IDENTIFIER = '^[A-Za-z_][A-Za-z0-9_]*$';
export const IDENTIFIER_PHRASE = "a plain SQL identifier (letters, digits and '_', not starting with a digit)";
const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const ENV_NAME_PHRASE = "an environment variable name (letters, digits and '_', not starting with a digit)";

/** What the phrase after "expected" is for a schema node, or a generic one by type. */
export function expectationOf(schema: TSchema): string {
  const message: unknown = schema.errorMessage;
  if (typeof message === 'string' && message.startsWith(EXPECTED_PREFIX)) return message.slice(EXPECTED_PREFIX.length);
  return 'a valid value';
}

/** Where a secret is read from, never the secret itself: a file (e.g. systemd LoadCredential=)... */
export function secretFileField(title: string, holding: string) {
  return Type.Optional(text('a file path', { title, description: `${holding}; relative paths resolve against this file's folder.` }));
}

/** ... or an environment variable. */
export function secretEnvField(title: string, description: string) {
  return Type.Optional(text(ENV_NAME_PHRASE, { pattern: ENV_NAME, title, description }));
}
