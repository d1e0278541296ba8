import { appsContract } from './apps.js';
import { blobsContract } from './blobs.js';
import type { ContractPart } from './harness.js';
import { jobEventsContract } from './job-events.js';
import { jobsContract } from './jobs.js';
import { jobsBatchContract } from './jobs-batch.js';
import { jobsListContract } from './jobs-list.js';
import { kernelImagesContract } from './kernel-images.js';
import { labStateContract } from './lab-state.js';
import { lineageContract } from './lineage.js';
import { lineagePagesContract } from './lineage-pages.js';
import { myDataContract } from './my-data.js';
import { narrativesContract } from './narratives.js';
import { objectsContract } from './objects.js';
import { publicationsContract } from './publications.js';
import { tokensContract } from './tokens.js';
import { transactionsContract } from './transactions.js';
import { usersContract } from './users.js';
import { versionsContract } from './versions.js';
import { workspacesContract } from './workspaces.js';

/** Every part of the Store contract, one per concept. */
export const contractParts: readonly ContractPart[] = [
  usersContract,
  tokensContract,
  workspacesContract,
  objectsContract,
  versionsContract,
  lineageContract,
  lineagePagesContract,
  myDataContract,
  blobsContract,
  narrativesContract,
  publicationsContract,
  appsContract,
  kernelImagesContract,
  jobsContract,
  jobsBatchContract,
  jobsListContract,
  jobEventsContract,
  labStateContract,
  transactionsContract,
];
