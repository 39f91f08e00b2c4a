/**
 * CRC-32 (ISO-HDLC, as in gzip) of `A ‖ B` from the CRC-32 of A, the CRC-32 of B and B's length,
 * without reading either again: zlib's crc32_combine, multiplying by powers of the CRC's shift
 * operator over GF(2). It lets one compressed body serve many packages whose first line differs.
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  const odd = new Uint32Array(32);
  const even = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  square(even, odd);
  square(odd, even);
  let crc = crcA >>> 0;
  let length = lengthB;
  for (;;) {
    square(even, odd);
    if (length % 2 === 1) crc = times(even, crc);
    length = Math.floor(length / 2);
    if (length === 0) break;
    square(odd, even);
    if (length % 2 === 1) crc = times(odd, crc);
    length = Math.floor(length / 2);
    if (length === 0) break;
  }
  return (crc ^ crcB) >>> 0;
}

function times(matrix: Uint32Array, vector: number): number {
  let sum = 0;
  for (let i = 0, v = vector >>> 0; v !== 0; i++, v >>>= 1) if ((v & 1) === 1) sum ^= matrix[i] as number;
  return sum >>> 0;
}

function square(target: Uint32Array, matrix: Uint32Array): void {
  for (let n = 0; n < 32; n++) target[n] = times(matrix, matrix[n] as number);
}
