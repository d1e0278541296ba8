import type { Access, Granted } from './route.js';

/** Access declarations shared by routes: a level in the workspace or narrative their path names. */
export const onWorkspace = (level: 'read' | 'write' | 'admin') => ({ params }: { params: { ws: string } }): Access => ({ kind: 'workspace', level, workspace: params.ws });
export const onNarrative = (level: 'read' | 'write' | 'admin', o: { changes?: boolean } = {}) => ({ params }: { params: { id: number } }): Access => ({ kind: 'narrative', level, narrative: params.id, ...o });

export const onJob = (level: 'read' | 'write') => ({ params }: { params: { id: number } }): Access => ({ kind: 'job', level, job: params.id });

/** Reading the publication the path names by its content id. */
export const onPublication = () => ({ params }: { params: { contentId: string } }): Access => ({ kind: 'publication', contentId: params.contentId });

/** The publication `authorize` granted for a publication route. */
export function grantedPublication(g: Granted) {
  if (!g.publication) throw new Error('route declared no publication access');
  return g.publication;
}

/** The workspace `authorize` resolved for a workspace or narrative route. */
export function grantedWorkspace(g: Granted) {
  if (!g.ws) throw new Error('route declared no workspace access');
  return g.ws;
}
