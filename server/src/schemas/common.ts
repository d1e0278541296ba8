import { Type, type Static } from '@sinclair/typebox';
import { OFFSET_MAX, PAGE_MAX } from '../limits.js';

/**
 * Names of workspaces, objects and files: no path separators, no control
 * characters, no leading dot (so no `.` / `..`), at most 255 characters.
 */
export const NAME_PATTERN = '^(?![0-9]+$)[A-Za-z0-9_][A-Za-z0-9_.+=@,-]{0,254}$';
export const Name = Type.String({ pattern: NAME_PATTERN, description: 'Letters, digits and _ . + = @ , -; not starting with a dot, not all digits (those are ids); at most 255 characters.' });

/** Free text (titles, descriptions): printable, no control characters. */
export const TITLE_PATTERN = '^[^\\u0000-\\u001f\\u007f/\\\\]{1,200}$';
export const Title = Type.String({ pattern: TITLE_PATTERN, description: 'Up to 200 characters; no control characters or slashes.' });

export const Level = Type.Union([Type.Literal('none'), Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')]);
export type Level = Static<typeof Level>;

export const Role = Type.Union([Type.Literal('user'), Type.Literal('developer'), Type.Literal('admin')]);
export type Role = Static<typeof Role>;

export const TYPE_ID_PATTERN = '^[A-Z][A-Za-z0-9]*\\.[A-Z][A-Za-z0-9]*-[0-9]+\\.[0-9]+$';
export const TypeId = Type.String({ pattern: TYPE_ID_PATTERN, description: 'Module.Name-major.minor, e.g. Genomics.Assembly-1.0' });

export const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** An image by its digest: an app's, a kernel's, a stored one. */
export const IMAGE_DIGEST_PATTERN = '^sha256:[0-9a-f]{64}$';
export const ImageDigest = Type.String({ pattern: IMAGE_DIGEST_PATTERN, description: 'sha256:<64 hex digits>' });

/** Canonical reference `wsid/objid/ver`, always numeric. */
export const Ref = Type.String({ pattern: '^[0-9]+/[0-9]+/[0-9]+$', description: 'wsid/objid/ver' });

/** A workspace or object given by number or by name. */
export const ID_OR_NAME_PATTERN = '^(?:[0-9]{1,15}|[A-Za-z0-9_][A-Za-z0-9_.+=@,-]{0,254})$';
export const IdOrName = Type.String({ pattern: ID_OR_NAME_PATTERN, description: 'a numeric id or a name' });
export const PositiveInt = Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 });
export const NonNegativeInt = Type.Integer({ minimum: 0, maximum: 2 ** 53 - 1 });
/** Where a listing starts; one bound for every list so no store sees a number it cannot hold. */
export const Offset = Type.Integer({ minimum: 0, maximum: OFFSET_MAX, default: 0 });
export const PageLimit = (fallback: number) => Type.Integer({ minimum: 1, maximum: PAGE_MAX, default: fallback });
export const Timestamp = Type.String({ format: 'date-time' });
