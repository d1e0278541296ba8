import { Type, type Static } from '@sinclair/typebox';
import { PositiveInt } from './common.js';

/**
 * Standard exports of how results were made: an RO-Crate (Workflow Run
 * Crate profiles) as a zip, or W3C PROV as PROV-JSON.
 */
export const ExportFormat = Type.Union([Type.Literal('ro-crate'), Type.Literal('prov')], {
  default: 'ro-crate',
  description: 'ro-crate: a zip of an RO-Crate 1.1 (Process, Workflow and Provenance Run Crate 0.5); prov: W3C PROV-JSON',
});
export type ExportFormat = Static<typeof ExportFormat>;

/** A narrative exports in one more form: the offline archive, the crate plus every byte it needs. */
export const NarrativeExportFormat = Type.Union([...ExportFormat.anyOf, Type.Literal('archive')], {
  default: 'ro-crate',
  description: `${ExportFormat.description}; archive: one tar holding the RO-Crate, every object version's data and files, the app specs and their images' OCI archives, and manifest-sha256.txt`,
});
export type NarrativeExportFormat = Static<typeof NarrativeExportFormat>;

export const ExportQuery = Type.Object({ format: Type.Optional(NarrativeExportFormat) }, { additionalProperties: false });
export const ObjectExportQuery = Type.Object(
  { format: Type.Optional(ExportFormat), ver: Type.Optional(PositiveInt) },
  { additionalProperties: false },
);

/** Qualified name → attributes, as PROV-JSON groups its records by kind. */
const Records = Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()));

/** A PROV-JSON document (https://www.w3.org/submissions/prov-json/): the records this export writes; a kind with none is left out, as PROV tools write it. */
export const ProvDocument = Type.Object({
  prefix: Type.Record(Type.String(), Type.String()),
  entity: Type.Optional(Records),
  activity: Type.Optional(Records),
  agent: Type.Optional(Records),
  used: Type.Optional(Records),
  wasGeneratedBy: Type.Optional(Records),
  wasDerivedFrom: Type.Optional(Records),
  wasAssociatedWith: Type.Optional(Records),
  wasAttributedTo: Type.Optional(Records),
  actedOnBehalfOf: Type.Optional(Records),
});
export type ProvDocument = Static<typeof ProvDocument>;
