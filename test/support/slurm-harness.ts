import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, clusterUp, type ClusterInfo } from '@narrative/launcher-native/cluster';
import { loadConfig, type Config } from '@narrative/server';

/** A local Slurm (munge, slurmctld, two slurmd) under a temp directory, and server settings that send jobs to it. */
export async function startCluster(): Promise<{ cluster: ClusterInfo; stop(): Promise<void> }> {
  // Short: the cluster directory holds Unix sockets, whose paths have a length limit.
  const dir = await mkdtemp(join(tmpdir(), 'nslurm-'));
  const cluster = await clusterUp({ dir });
  return {
    cluster,
    async stop() {
      await clusterDown(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function slurmExecution(cluster: ClusterInfo): Partial<Config> {
  const defaults = loadConfig().execution;
  return {
    execution: {
      ...defaults,
      scheduler: 'slurm',
      reconcileMs: 200,
      slurm: { conf: cluster.slurmConf, partition: cluster.partition, jobcompLog: cluster.jobcompLog },
    },
  };
}
