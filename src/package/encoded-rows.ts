/**
 * Upsert rows a producer has already encoded as content lines, for a source that can write the
 * codec's exact text itself (the PostgreSQL upload). The writer still frames, counts, measures
 * and checks the keys of every row; it trusts the producer for the values: each line must be
 * what TableCodec.encode writes for the row (the producer's tests prove it).
 */
export interface EncodedRows {
  /** The lines, each followed by `\n`, in UTF-8. */
  readonly bytes: Buffer;
  /** The byte length of each line, its newline left out: one entry a row. */
  readonly lineBytes: readonly number[];
  /** Each row's primary-key text, as TableCodec.keyText gives it (joinKeyParts for several columns). */
  readonly keys: readonly string[];
}
