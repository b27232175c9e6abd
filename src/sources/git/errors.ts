// Constructors for the coded errors raised by the git object layer, so every site builds the same shape.
// May import: errors.
import { LeakhoundError } from '../../errors/index.js';

export function objectMissing(oid: string, extra: Record<string, unknown> = {}): LeakhoundError {
  return new LeakhoundError('E_OBJECT_MISSING', `git object ${oid} is missing`, { oid, ...extra });
}

export function objectCorrupt(
  oid: string | null,
  reason: string,
  extra: Record<string, unknown> = {},
): LeakhoundError {
  const where =
    typeof extra['pack'] === 'string'
      ? ` in ${extra['pack']}${typeof extra['offset'] === 'number' ? ` at offset ${extra['offset']}` : ''}`
      : typeof extra['path'] === 'string'
        ? ` (${extra['path']})`
        : '';
  const what = oid === null ? 'git object' : `git object ${oid}`;
  return new LeakhoundError('E_OBJECT_CORRUPT', `${what} is corrupt${where}: ${reason}`, { oid, reason, ...extra });
}
