/**
 * A profile's YAML text, parsed with positions kept, so that every issue can point at the
 * line and column an operator has to fix.
 */
import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument, type Document, type YAMLError } from 'yaml';
import { formatFieldPath, type FieldPath } from './field-path.js';
import { findMisindentedLine, INDENTATION_ERRORS } from './misindented-line.js';
import { ProfileError, type ProfileIssue } from './profile-error.js';

/** Where an issue points: the field's value, its key (unknown fields), or the map it is missing from. */
export type IssueTarget = 'value' | 'key';

export interface FieldProblem {
  readonly path: FieldPath;
  readonly target: IssueTarget;
  readonly expected: string;
  readonly found: string;
}

export class ProfileSource {
  private constructor(
    readonly file: string,
    readonly value: unknown,
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses YAML text; broken YAML (including duplicate keys) throws E_PROFILE_YAML. */
  static parse(file: string, text: string): ProfileSource {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    const partial = new ProfileSource(file, undefined, document, lines);
    if (document.errors.length > 0) {
      throw ProfileError.fromIssues(
        'E_PROFILE_YAML',
        file,
        yamlIssues(document.errors, text, lines, file, (error) => partial.yamlIssue(error)),
      );
    }
    let value: unknown;
    try {
      value = document.toJS();
    } catch (error) {
      // Unresolved aliases and alias bombs only surface when the document is turned into values.
      const found = error instanceof Error ? error.message : String(error);
      throw ProfileError.fromIssues('E_PROFILE_YAML', file, [{ file, line: 1, column: 1, field: '', expected: 'valid YAML', found }]);
    }
    return new ProfileSource(file, value, document, lines);
  }

  issue(problem: FieldProblem): ProfileIssue {
    const offset = this.offsetOf(problem.path, problem.target);
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col, field: formatFieldPath(problem.path), expected: problem.expected, found: problem.found };
  }

  /** The offset of the deepest node along `path` that exists: a missing field points at its parent map. */
  private offsetOf(path: FieldPath, target: IssueTarget): number {
    let node: unknown = this.document.contents;
    let offset = rangeStart(node) ?? 0;
    for (const [index, segment] of path.entries()) {
      const step = this.child(node, segment);
      if (step === undefined) break;
      node = step.value;
      const pointsAtKey = target === 'key' && index === path.length - 1;
      offset = (pointsAtKey ? rangeStart(step.key) : (rangeStart(step.value) ?? rangeStart(step.key))) ?? offset;
    }
    return offset;
  }

  private child(node: unknown, segment: string | number): { key: unknown; value: unknown } | undefined {
    const resolved = isAlias(node) ? node.resolve(this.document) : node;
    if (isMap(resolved)) {
      const pair = resolved.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      return pair === undefined ? undefined : { key: pair.key, value: pair.value };
    }
    if (isSeq(resolved) && typeof segment === 'number') {
      const item: unknown = resolved.items[segment];
      return item === undefined ? undefined : { key: undefined, value: item };
    }
    return undefined;
  }

  private yamlIssue(error: YAMLError): ProfileIssue {
    const position = error.linePos?.[0] ?? this.lines.linePos(error.pos[0]);
    const base = { file: this.file, line: position.line, column: position.col };
    if (error.code === 'DUPLICATE_KEY') {
      const path = this.pathAt(error.pos[0]);
      return { ...base, field: formatFieldPath(path), expected: 'each key once per map', found: 'it a second time' };
    }
    if (error.code === 'MULTIPLE_DOCS') {
      return { ...base, field: '', expected: 'one YAML document', found: 'a second one after "---"' };
    }
    const [summary = error.message] = error.message.split(/ at line \d+, column \d+/);
    return { ...base, field: '', expected: 'valid YAML', found: `an error: ${summary}` };
  }

  /** The field path of the map key that starts at `offset`. */
  private pathAt(offset: number, node: unknown = this.document.contents, path: FieldPath = []): FieldPath {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        if (rangeStart(pair.key) === offset) return [...path, key];
        if (contains(pair.value, offset)) return this.pathAt(offset, pair.value, [...path, key]);
      }
    }
    if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(item, offset));
      if (index >= 0) return this.pathAt(offset, node.items[index], [...path, index]);
    }
    return path;
  }
}

/** One issue per YAML error, unless re-indenting one line makes the file valid: then one issue, at that line (see findMisindentedLine). */
function yamlIssues(
  errors: readonly YAMLError[],
  text: string,
  lines: LineCounter,
  file: string,
  issueOf: (error: YAMLError) => ProfileIssue,
): ProfileIssue[] {
  const [first] = errors;
  const indentationOnly =
    errors.every((error) => INDENTATION_ERRORS.has(error.code)) && errors.some((e) => e.code !== 'MULTILINE_IMPLICIT_KEY');
  const misindented = first === undefined || !indentationOnly ? undefined : findMisindentedLine(text, lines.linePos(first.pos[0]).line - 1);
  if (misindented === undefined) return errors.map(issueOf);
  const { line, column, expectedColumn } = misindented;
  return [
    {
      file,
      line,
      column,
      field: '',
      expected: `this line indented like the keys around it (at column ${expectedColumn})`,
      found: `it at column ${column}`,
    },
  ];
}

function rangeStart(node: unknown): number | undefined {
  return isNode(node) ? node.range?.[0] : undefined;
}

function contains(node: unknown, offset: number): boolean {
  const range = isNode(node) ? node.range : undefined;
  return range !== undefined && range !== null && range[0] <= offset && offset < range[2];
}
