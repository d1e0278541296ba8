import type { Command } from 'commander';
import { resolve } from 'node:path';
import { defaultHome } from '../../config.js';
import type { GlobalOptions } from '../env.js';
import { emit } from '../output.js';
import { localClusterDir, serverEnvFor } from '../local-slurm.js';
import { UsageError } from '../usage.js';

/** `narrative cluster up|down`: the local Slurm (munge, slurmctld, N slurmd on 127.0.0.1) for tests and demos. */
export function clusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('a local Slurm cluster on this machine, for tests and demos');
  cluster
    .command('up')
    .description('start munged, slurmctld and the slurmd nodes; on a running cluster, restart only the daemons that died')
    .option('--nodes <n>', 'number of slurmd nodes', '2')
    .option('--dir <dir>', 'directory for all its state (default NARRATIVE_HOME/cluster)')
    .action(async (options: { nodes: string; dir?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const nodes = Number(options.nodes);
      if (!Number.isSafeInteger(nodes) || nodes < 1) throw new UsageError(`--nodes wants a whole number of at least 1, not "${options.nodes}"`);
      const { clusterUp } = await import('@narrative/launcher-native/cluster');
      const info = await clusterUp({ dir: options.dir ?? localClusterDir(defaultHome()), nodes });
      const serverEnv = serverEnvFor(info);
      const result = { slurmConf: info.slurmConf, nodes: info.nodes, dir: info.dir, partition: info.partition, jobcompLog: info.jobcompLog, started: info.started, serverEnv };
      // A running cluster keeps its nodes: say so rather than let --nodes look obeyed.
      const ignoredNodes = command.getOptionValueSource('nodes') === 'cli' && nodes !== info.nodes.length;
      emit(global, result, (r) => [
        `local Slurm cluster up: ${r.nodes.length} nodes (${r.nodes.join(', ')}), partition ${r.partition}`,
        r.started.length === 0 ? '  it was already running: nothing started' : `  started: ${r.started.join(', ')}`,
        ...(ignoredNodes ? [`  --nodes ${nodes} ignored: a running cluster keeps its nodes (cluster down, then up, to change them)`] : []),
        `  state and logs: ${r.dir}`,
        '  point sbatch, squeue, scancel and sinfo at it with:',
        `    export SLURM_CONF=${r.slurmConf}`,
        '  and a server (narrative serve) with these too, or start it with narrative serve --local-slurm:',
        ...Object.entries(r.serverEnv).filter(([name]) => name !== 'SLURM_CONF').map(([name, value]) => `    export ${name}=${value}`),
      ].join('\n'));
    });
  cluster
    .command('down')
    .description('cancel its jobs and stop every daemon it started')
    .option('--dir <dir>', 'directory the cluster was started in (default NARRATIVE_HOME/cluster)')
    .action(async (options: { dir?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const dir = resolve(options.dir ?? localClusterDir(defaultHome()));
      const { clusterDown } = await import('@narrative/launcher-native/cluster');
      await clusterDown(dir);
      emit(global, { dir, down: true }, (r) => `local Slurm cluster in ${r.dir} is down`);
    });
}
