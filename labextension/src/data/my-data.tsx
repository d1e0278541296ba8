import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { copyIcon, downloadIcon, historyIcon, closeIcon, undoIcon, type LabIcon } from '@jupyterlab/ui-components';
import type { MyObject, MyObjectPage, NarrativeClient, ObjectInfo } from '@narrative/server/client';
import * as React from 'react';
import { describeError } from '../client/client.js';
import { settle, type Loading } from '../loading.js';
import { changeRefusal } from './changes.js';
import { copyName, pickNarrative } from './copy-dialog.js';
import { downloadFiles } from './files.js';
import { History } from './history.js';
import type { IFilters } from './narrative-data.js';
import { inside, ObjectEntry } from './object-entry.js';

/** Objects per request; more come with "Show more". */
const PAGE = 200;
/** How long typing in the search box pauses before the server is asked. */
const TYPING_MS = 250;

export interface IMyDataProps {
  client: NarrativeClient;
  trans: TranslationBundle;
  filters: IFilters;
  /** Changes when the panel's Refresh is pressed. */
  reload: number;
  onOpen: (object: ObjectInfo) => void;
}

type Listing = Loading<MyObjectPage>;
type Action = [key: string, icon: LabIcon, label: string, run: () => void, refusal?: string | null];

/**
 * "My data": the objects of every narrative I own or may edit, under the
 * narrative each belongs to, filtered by the server. Each has its history
 * (with Revert), Copy to narrative…, Download and Remove from view; "Show
 * removed" lists the objects removed from view, to bring them back. What
 * the server would refuse (changes in a locked narrative) is disabled,
 * saying why. "Show more" adds the next page; an action changes its rows
 * where they are, so the pages shown and the place in them stay.
 */
export function MyData({ client, trans, filters, reload, onOpen }: IMyDataProps): React.ReactElement {
  const [removed, setRemoved] = React.useState(false);
  const [listing, setListing] = React.useState<Listing>({ state: 'loading' });
  const [fetchingMore, setFetchingMore] = React.useState(false);
  const [historyOf, setHistoryOf] = React.useState<string | null>(null);
  // Which listing an answer is for: one asked before the filters changed (or Refresh) is dropped, not merged.
  const generation = React.useRef(0);
  // The rows as last rendered, for work that ends after a render (a copy's relisting).
  const shown = React.useRef<Listing>(listing);
  shown.current = listing;

  const query = React.useCallback(
    (cursor?: string) => client.myObjects({ limit: PAGE, hidden: removed, ...(filters.name ? { name: filters.name } : {}), ...(filters.type ? { type: filters.type } : {}), ...(cursor ? { cursor } : {}) }),
    [client, removed, filters.name, filters.type],
  );

  React.useEffect(() => {
    const asked = ++generation.current;
    const timer = setTimeout(() => void settle(() => query()).then((loaded) => asked === generation.current && setListing(loaded)), filters.name ? TYPING_MS : 0);
    return () => {
      generation.current++;
      clearTimeout(timer);
    };
  }, [query, reload]);

  const more = async () => {
    if (listing.state !== 'ready' || !listing.next || fetchingMore) return;
    const [asked, cursor] = [generation.current, listing.next];
    setFetchingMore(true);
    const page = await settle(() => query(cursor));
    setFetchingMore(false);
    if (asked !== generation.current) return;
    if (page.state !== 'ready') {
      if (page.state === 'error') Notification.error(trans.__('No more data could be listed. %1', page.message), { autoClose: 5000 });
      return;
    }
    // Appended only to a list that still ends where this page starts: a relisting meanwhile may have moved its end.
    const { items, next } = page;
    setListing((now) => (now.state === 'ready' && now.next === cursor ? { state: 'ready', items: [...now.items, ...items], next } : now));
  };

  /**
   * An object as the server now has it, in its row; or out of the list when
   * it no longer belongs in this view (removed from view, brought back, or
   * shown again by a revert's new version). The other rows stay as they are.
   */
  const patch = (o: MyObject, now: ObjectInfo) => {
    const stays = now.hidden === removed;
    setListing((l) => (l.state !== 'ready' ? l : { ...l, items: l.items.flatMap((r) => (keyOf(r) !== keyOf(o) ? [r] : stays ? [{ ...now, narrative: r.narrative }] : [])) }));
  };

  /** Lists again as far as the list reaches now: a copy lands where the server sorts it, and no page shown is lost. */
  const relist = async () => {
    const asked = generation.current;
    const reach = shown.current.state === 'ready' ? shown.current.items.length : 0;
    const loaded = await settle(async () => {
      const items: MyObject[] = [];
      let next: string | null = null;
      do {
        const page: MyObjectPage = await query(next ?? undefined);
        items.push(...page.items);
        next = page.next;
      } while (next && items.length < reach);
      return { items, next };
    });
    if (asked === generation.current && loaded.state === 'ready') setListing(loaded);
  };

  /** Runs an action; a failure is told, not thrown. */
  const act = async (work: () => Promise<string | null>) => {
    try {
      const done = await work();
      if (done) Notification.success(done, { autoClose: 5000 });
    } catch (error) {
      Notification.error(describeError(error), { autoClose: false });
    }
  };

  const actions = (o: MyObject, refusal: string | null): Action[] => [
    ['history', historyIcon, trans.__('History'), () => setHistoryOf(historyOf === keyOf(o) ? null : keyOf(o))],
    ['copy', copyIcon, trans.__('Copy to narrative…'), () => void act(async () => {
      const target = await pickNarrative(client, trans, o);
      if (target === 'none') return trans.__('You have no other narrative to copy into: make one first.');
      if (!target) return null;
      const name = await copyName(client, o, target.wsid);
      await client.copyObject(o.ref, target.wsid, name);
      void relist();
      return name === o.name ? trans.__('Copied %1 to %2.', o.name, target.title) : trans.__('Copied %1 to %2 as %3: it already had an object of that name.', o.name, target.title, name);
    })],
    ['download', downloadIcon, trans.__('Download'), () => void act(async () => {
      downloadFiles(o.ref, (await client.getObject(o.ref)).files.map((f) => f.name));
      return null;
    })],
    removed
      ? ['restore', undoIcon, trans.__('Bring back into view'), () => void act(async () => {
        patch(o, await client.setHidden(o.ref, false));
        return trans.__('%1 is back in view.', o.name);
      }), refusal]
      : ['remove', closeIcon, trans.__('Remove from view'), () => void act(async () => {
        patch(o, await client.setHidden(o.ref, true));
        return trans.__('%1 is removed from view. Its versions are kept: "Show removed" lists it.', o.name);
      }), refusal],
  ];

  return (
    <div className="jp-narrative-MyData">
      <label className="jp-narrative-ShowRemoved">
        <input type="checkbox" checked={removed} onChange={(e) => setRemoved(e.currentTarget.checked)} />
        {trans.__('Show removed')}
      </label>
      {listing.state === 'loading' && <p className="jp-narrative-Message">{trans.__('Loading…')}</p>}
      {listing.state === 'error' && <p className="jp-narrative-Message jp-mod-error">{trans.__('Your data could not be listed. %1', listing.message)}</p>}
      {listing.state === 'ready' && listing.items.length === 0 && (
        <p className="jp-narrative-Message">
          {filters.name || filters.type ? trans.__('No data matches the filters.')
            : removed ? trans.__('Nothing is removed from view.')
            : trans.__('Your narratives have no data yet: upload a file or run an app.')}
        </p>
      )}
      {listing.state === 'ready' && byNarrative(listing.items).map(({ narrative, items }) => {
        const refusal = changeRefusal(narrative, trans);
        return (
          <section key={narrative.id} className="jp-narrative-Group jp-narrative-MyNarrative" data-narrative={narrative.id} data-locked={refusal ? true : undefined}>
            <div className="jp-narrative-GroupHeading" title={trans.__('Narrative %1', narrative.id)}>
              <span>{narrative.title}</span>
              {refusal && <span className="jp-narrative-Locked" title={refusal}>{narrative.published ? trans.__('locked') : trans.__('read only')}</span>}
              <span className="jp-narrative-Count">{items.length}</span>
            </div>
            <ul className="jp-narrative-List">
              {items.map((o) => (
                <ObjectEntry key={o.ref} object={o} trans={trans} onOpen={onOpen} className="jp-narrative-MyObject">
                  <div className="jp-narrative-ObjectActions" {...inside}>
                    {actions(o, refusal).map(([key, Icon, label, run, refused]) => (
                      <button
                        key={key}
                        className={`jp-narrative-ObjectAction jp-mod-${key}`}
                        data-action={key}
                        // aria-disabled rather than disabled: a disabled button shows no tooltip, and this one says why.
                        aria-disabled={refused ? true : undefined}
                        title={refused || label}
                        aria-label={label}
                        aria-pressed={key === 'history' ? historyOf === keyOf(o) : undefined}
                        onClick={refused ? undefined : run}
                      >
                        <Icon.react tag="span" />
                      </button>
                    ))}
                  </div>
                  {historyOf === keyOf(o) && (
                    <div {...inside}>
                      <History client={client} trans={trans} object={o} refusal={refusal} onReverted={(saved) => {
                        Notification.success(trans.__('%1 is at version %2 again, saved as version %3.', o.name, saved.revertedFrom?.split('/')[2] ?? '', saved.ver), { autoClose: 5000 });
                        patch(o, saved);
                      }} />
                    </div>
                  )}
                </ObjectEntry>
              ))}
            </ul>
          </section>
        );
      })}
      {listing.state === 'ready' && listing.next && (
        <button className="jp-Button jp-mod-styled jp-narrative-ShowMore" disabled={fetchingMore} onClick={() => void more()}>
          {fetchingMore ? trans.__('Loading…') : trans.__('Show more')}
        </button>
      )}
    </div>
  );
}

/** An object whatever its version: what stays the same when a revert adds one. */
const keyOf = (o: ObjectInfo) => `${o.wsid}/${o.objid}`;

/** Consecutive objects of one narrative (the server lists them narrative by narrative). */
function byNarrative(items: MyObject[]): { narrative: MyObject['narrative']; items: MyObject[] }[] {
  const groups: { narrative: MyObject['narrative']; items: MyObject[] }[] = [];
  for (const o of items) {
    const last = groups.at(-1);
    if (last?.narrative.id === o.narrative.id) last.items.push(o);
    else groups.push({ narrative: o.narrative, items: [o] });
  }
  return groups;
}
