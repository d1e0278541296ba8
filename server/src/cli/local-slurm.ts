import { join } from 'node:path';
import type { ClusterInfo } from '@narrative/launcher-native/cluster';

/** Where `serve --local-slurm` and `cluster up` keep the local cluster: beside the data it serves. */
export const localClusterDir = (home: string) => join(home, 'cluster');

/**
 * The environment that points a server at a local cluster: what
 * `cluster up` prints for the operator and what `serve --local-slurm` sets
 * for itself, so the two never disagree.
 */
export function serverEnvFor(cluster: ClusterInfo): Record<string, string> {
  return {
    NARRATIVE_SCHEDULER: 'slurm',
    SLURM_CONF: cluster.slurmConf,
    NARRATIVE_SLURM_PARTITION: cluster.partition,
    NARRATIVE_SLURM_JOBCOMP_LOG: cluster.jobcompLog,
  };
}
