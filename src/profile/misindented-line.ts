import { parseDocument } from 'yaml';

/** A line indented unlike its neighbours, 1-based, and the column that makes the file valid. */
export interface MisindentedLine {
  readonly line: number;
  readonly column: number;
  readonly expectedColumn: number;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;
const isContent = (line: string): boolean => line.trim() !== '' && !line.trimStart().startsWith('#');

/** The errors a mis-indented key causes; any other error (a duplicate key, a truncated line) is reported as the parser says. */
export const INDENTATION_ERRORS: ReadonlySet<string> = new Set(['BAD_INDENT', 'BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY']);

/**
 * The YAML parser reports a mis-indented key where the damage shows (at the comment or key
 * after it, once per later sibling, or as a "nested mapping" in the line above), not where the
 * mistake is. This finds the one line that, indented like the content line before or after
 * it, makes the whole file valid YAML: the smallest shift, nearest to `errorLine` (0-based),
 * when several would.
 * Undefined when no single re-indented line does: the parser's own messages stand.
 */
export function findMisindentedLine(text: string, errorLine: number): MisindentedLine | undefined {
  const lines = text.split('\n');
  const content = [...lines.keys()].filter((index) => isContent(lines[index] as string));
  let best: { index: number; expected: number; rank: readonly [number, number] } | undefined;
  for (const [position, index] of content.entries()) {
    const line = lines[index] as string;
    const neighbours = [content[position - 1], content[position + 1]].filter((n) => n !== undefined);
    for (const expected of new Set(neighbours.map((n) => indentOf(lines[n] as string)))) {
      if (expected === indentOf(line)) continue;
      const trial = lines.with(index, `${' '.repeat(expected)}${line.trimStart()}`).join('\n');
      if (parseDocument(trial, { uniqueKeys: true }).errors.length > 0) continue;
      // The smallest shift wins, then the line nearest the first error (a later one on a tie).
      const rank = [Math.abs(expected - indentOf(line)), Math.abs(index - errorLine)] as const;
      if (best === undefined || rank[0] < best.rank[0] || (rank[0] === best.rank[0] && rank[1] <= best.rank[1]))
        best = { index, expected, rank };
    }
  }
  if (best === undefined) return undefined;
  return { line: best.index + 1, column: indentOf(lines[best.index] as string) + 1, expectedColumn: best.expected + 1 };
}
