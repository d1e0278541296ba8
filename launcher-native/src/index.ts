export * from './job-state.js';
export * from './runtimes/index.js';
export { sacctArgv, sbatchArgv, scancelArgv, squeueArgv, queueOrderArgv, type SubmitOptions } from './slurm/commands.js';
export { renderBatchScript, shellQuote, slurmTime, type BatchResources } from './slurm/directives.js';
export { parseJobcompLine, parseSacct, parseSbatch, parseSqueue } from './slurm/parse.js';
export { SLURM_STATES, toSchedulerStatus, type SlurmObservation } from './slurm/state-table.js';
