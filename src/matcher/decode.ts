// Unit decoding: bytes -> text, or a reason to skip.
// Owns: encoding detection (UTF-8, UTF-16 LE/BE with or without BOM) and the binary test.
// May import: types.
import { Buffer, isAscii } from 'node:buffer';
import type { UnitSkipReason } from '../types/index.js';

export type Decoded =
  | { text: string; encoding: 'utf-8' | 'utf-16le' | 'utf-16be' }
  | { skipped: UnitSkipReason };

// Made on first use: each costs ~0.2-0.5 ms to construct (ICU converters), and a pre-commit hook over ASCII files
// needs none of them.
type Decoder = InstanceType<typeof TextDecoder>;
let decoders: { utf8: Decoder; utf16le: Decoder; utf16be: Decoder } | undefined;
const dec = (): NonNullable<typeof decoders> =>
  (decoders ??= {
    utf8: new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }),
    utf16le: new TextDecoder('utf-16le', { fatal: false, ignoreBOM: false }),
    utf16be: new TextDecoder('utf-16be', { fatal: false, ignoreBOM: false }),
  });

/** How many leading bytes decide "binary" (git looks at the first 8000 bytes for a NUL). */
const SNIFF = 8000;

/**
 * UTF-16 without a BOM: in mostly-ASCII text every other byte is NUL. We call it UTF-16 when at least 90 % of the
 * bytes at one parity are NUL and at most 10 % at the other.
 */
function sniffUtf16(b: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(b.length, SNIFF) & ~1;
  if (n < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenNul++;
    if (b[i + 1] === 0) oddNul++;
  }
  const half = n / 2;
  if (oddNul >= 0.9 * half && evenNul <= 0.1 * half) return 'utf-16le';
  if (evenNul >= 0.9 * half && oddNul <= 0.1 * half) return 'utf-16be';
  return undefined;
}

/**
 * Whether the bytes are ASCII text (not empty, no NUL in the sniffed head, no byte >= 0x80): decodeUnit then gives
 * their latin1 string, whose characters are exactly the bytes.
 */
export function isAsciiText(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes.subarray(0, SNIFF).indexOf(0) === -1 && isAscii(bytes);
}

export function decodeUnit(bytes: Uint8Array): Decoded {
  if (bytes.length === 0) return { skipped: 'empty' };
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { text: dec().utf16le.decode(bytes), encoding: 'utf-16le' };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { text: dec().utf16be.decode(bytes), encoding: 'utf-16be' };
  const head = bytes.subarray(0, SNIFF);
  if (head.indexOf(0) !== -1) {
    const enc = sniffUtf16(bytes);
    if (enc === 'utf-16le') return { text: dec().utf16le.decode(bytes), encoding: enc };
    if (enc === 'utf-16be') return { text: dec().utf16be.decode(bytes), encoding: enc };
    return { skipped: 'binary' };
  }
  // Most source is pure ASCII: a latin1 slice of it is the same string, several times faster than UTF-8 decoding.
  if (isAscii(bytes)) return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), encoding: 'utf-8' };
  // Invalid UTF-8 sequences become U+FFFD: the rest of the text is still scanned and offsets stay consistent.
  return { text: dec().utf8.decode(bytes), encoding: 'utf-8' };
}
