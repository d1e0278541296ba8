import type { TranslationBundle } from '@jupyterlab/translation';
import type { MyObject } from '@narrative/server/client';

/**
 * Why the server would refuse to change this narrative's objects (remove
 * one from view, bring it back, revert it), or null when it would not: a
 * published narrative is locked for good, and changing needs write access.
 * A row that says neither (an older server) is let try; a refusal then
 * shows as any failed action does.
 */
export function changeRefusal(narrative: MyObject['narrative'], trans: TranslationBundle): string | null {
  if (narrative.published) return trans.__('%1 is published, so it is locked for good: its data can be viewed, copied and downloaded, not changed.', narrative.title);
  if (narrative.level === 'read' || narrative.level === 'none') return trans.__('You may only read %1: its owner can give you write access.', narrative.title);
  return null;
}
