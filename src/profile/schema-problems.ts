/**
 * Turns TypeBox's validation errors into problems an operator can act on: one per field,
 * in the schema's own words, with unknown keys and missing fields told apart.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { ValuePointer } from '@sinclair/typebox/value';
import { expectationOf } from './schema-kit.js';
import { ProfileSchema } from './schema.js';
import { formatFieldPath, type FieldPath } from './field-path.js';
import type { FieldProblem } from './yaml-source.js';

const compiledProfileSchema = TypeCompiler.Compile(ProfileSchema);

/** How a value is named after "found". */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

/** What is wrong with `value` against the profile schema, or against another schema compiled from its parts. */
export function schemaProblems(value: unknown, schema: TypeCheck<TSchema> = compiledProfileSchema): FieldProblem[] {
  if (schema.Check(value)) return [];
  return onePerField(problemsOf(schema.Errors(value), value));
}

function problemsOf(errors: Iterable<ValueError>, root: unknown): FieldProblem[] {
  return [...errors].flatMap((error) => problemOf(error, root));
}

function problemOf(error: ValueError, root: unknown): FieldProblem[] {
  const path = fieldPath(error.path, root);
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return [{ path, target: 'value', expected: expectationOf(error.schema), found: 'nothing (the field is missing)' }];
    case ValueErrorType.ObjectAdditionalProperties: {
      const known = Object.keys(error.schema.properties ?? {}).join(', ');
      return [
        { path, target: 'key', expected: `one of the fields ${known}`, found: `an unknown field "${String(path[path.length - 1])}"` },
      ];
    }
    case ValueErrorType.Union:
      return unionProblems(error, path, root);
    default:
      return [{ path, target: 'value', expected: expectationOf(error.schema), found: describeFound(error.value) }];
  }
}

/**
 * A union of maps told apart by one literal field (`workingFolder.adapter`): report the
 * problems of the variant that field names, rather than "matches none of them".
 */
function unionProblems(error: ValueError, path: FieldPath, root: unknown): FieldProblem[] {
  const variants: readonly TSchema[] = error.schema.anyOf;
  const discriminator = discriminatorOf(variants);
  const value = error.value;
  const isMap = typeof value === 'object' && value !== null && !Array.isArray(value);
  // A text or a map (`channel.database`): a map's problems are the map variant's.
  const maps = variants.filter((variant) => variant.type === 'object');
  if (discriminator === undefined && isMap && maps.length === 1) {
    const mapErrors = error.errors[variants.indexOf(maps[0] as TSchema)];
    if (mapErrors !== undefined) return problemsOf(mapErrors, root);
  }
  if (discriminator === undefined || !isMap) {
    return [{ path, target: 'value', expected: expectationOf(error.schema), found: describeFound(value) }];
  }
  const chosen: unknown = (value as Record<string, unknown>)[discriminator];
  const variantErrors = error.errors[variants.findIndex((variant) => propertySchema(variant, discriminator)?.const === chosen)];
  if (variantErrors !== undefined) return problemsOf(variantErrors, root);
  const discriminatorSchema = propertySchema(variants[0], discriminator);
  return [
    {
      path: [...path, discriminator],
      target: 'value',
      expected: discriminatorSchema === undefined ? expectationOf(error.schema) : expectationOf(discriminatorSchema),
      found: chosen === undefined ? 'nothing (the field is missing)' : describeFound(chosen),
    },
  ];
}

function propertySchema(schema: TSchema | undefined, key: string): TSchema | undefined {
  const properties: Record<string, TSchema> | undefined = schema?.properties;
  return properties?.[key];
}

/** The property that is a literal in every variant, such as `adapter`. */
function discriminatorOf(variants: readonly TSchema[]): string | undefined {
  const candidates = Object.keys(variants[0]?.properties ?? {});
  return candidates.find((key) => variants.every((variant) => propertySchema(variant, key)?.const !== undefined));
}

/** TypeBox's JSON pointer as keys and list indexes, walking `root` to tell which is which. */
function fieldPath(pointer: string, root: unknown): FieldPath {
  const path: (string | number)[] = [];
  let node = root;
  for (const segment of ValuePointer.Format(pointer)) {
    const step = Array.isArray(node) ? Number(segment) : segment;
    path.push(step);
    node = typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[step] : undefined;
  }
  return path;
}

/** Keeps the first problem of each field: a missing field is not also "not text". */
function onePerField(problems: readonly FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = formatFieldPath(problem.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
