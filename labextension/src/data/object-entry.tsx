import { Time } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ObjectInfo } from '@narrative/server/client';
import * as React from 'react';
import { shortType } from '../apps/catalog.js';
import { dragOnMouseDown } from '../drag.js';
import { OBJECT_MIME, type IObjectDragPayload } from '../tokens.js';
import { typeIcon } from './type-icons.js';

export interface IObjectEntryProps {
  object: ObjectInfo;
  trans: TranslationBundle;
  onOpen: (object: ObjectInfo) => void;
  /** Extra classes, for what a view adds (actions, an open history). */
  className?: string;
  /** What follows the entry's line of facts (actions, history). */
  children?: React.ReactNode;
}

/** One object in a list: click to view it, drag it into an app cell. */
export function ObjectEntry({ object: o, trans, onOpen, className, children }: IObjectEntryProps): React.ReactElement {
  const payload: IObjectDragPayload = { ref: o.ref, type: o.type, name: o.name };
  const Icon = typeIcon(o.type);
  return (
    <li
      className={`jp-narrative-Object${className ? ` ${className}` : ''}`}
      data-ref={o.ref}
      title={trans.__('%1 (%2): click to view, drag into an app cell', o.ref, o.type)}
      onMouseDown={(e) => dragOnMouseDown(e.nativeEvent, OBJECT_MIME, payload, o.name)}
      onClick={() => onOpen(o)}
    >
      <div className="jp-narrative-EntryTitle">
        <Icon.react tag="span" className="jp-narrative-TypeIcon" />
        <span className="jp-narrative-Name">{o.name}</span>
        <span className="jp-narrative-Badge">{shortType(o.type)}</span>
      </div>
      <div className="jp-narrative-Meta">{trans.__('v%1 · %2', o.ver, Time.formatHuman(o.savedAt))}</div>
      {children}
    </li>
  );
}

/** Stops a press or click inside an entry from opening or dragging it (its buttons act on their own). */
export const inside = {
  onMouseDown: (e: React.MouseEvent) => e.stopPropagation(),
  onClick: (e: React.MouseEvent) => e.stopPropagation(),
};
