/** The ids of the Jobs panel's commands. */
export namespace JobsCommandIDs {
  export const openJobsPanel = 'narrative:open-jobs-panel';
  export const refreshJobs = 'narrative:refresh-jobs';
  /** Args `{id}`: a job id; asks first, then cancels it. */
  export const cancelJob = 'narrative:cancel-job';
  /** Args `{narrative, cell?}`: opens the narrative and scrolls to the cell. */
  export const openJobCell = 'narrative:open-job-cell';
}
