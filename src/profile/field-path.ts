/** Keys and list indexes from the top of the profile down to one field. */
export type FieldPath = readonly (string | number)[];

/** `upload.tables[0].name` */
export function formatFieldPath(path: FieldPath): string {
  return path.map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join('');
}
