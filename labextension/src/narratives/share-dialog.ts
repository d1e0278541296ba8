import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import type { Grants, Narrative, NarrativeClient } from '@narrative/server/client';
import { describeError } from '../client/client.js';
import { el } from '../dom.js';

type Level = 'read' | 'write' | 'admin';
const LEVELS: Level[] = ['read', 'write', 'admin'];

/** The full share link of a narrative, as a reader would open it. */
export function shareUrl(narrative: Narrative): string {
  return new URL(URLExt.join(PageConfig.getBaseUrl(), narrative.link), window.location.href).href;
}

/**
 * The body of the Share dialog: the link with a Copy button, public or not,
 * and who may read, write or administer. Each change is saved at once and
 * the list is redrawn from the server's answer. Who may not share (or a
 * published narrative) sees the link and who has access, nothing to change.
 */
export class ShareBody extends Widget {
  private grants: Grants | null = null;
  private message = '';
  private error = false;
  /** What is being typed in the add form: kept when the dialog draws itself again (its people arriving, a change answered). */
  private draft: { user: string; level: Level } = { user: '', level: 'read' };

  constructor(private readonly client: NarrativeClient, private narrative: Narrative, private readonly trans: TranslationBundle) {
    super();
    this.addClass('jp-narrative-Share');
    this.render();
    void this.reload();
  }

  private get canManage(): boolean {
    return this.narrative.level === 'admin' && !this.narrative.published;
  }

  protected override onAfterAttach(): void {
    // Before the dialog's own handler (which takes Enter for its default button): Enter in the form adds, on a button presses it.
    document.addEventListener('keydown', this.onEnter, true);
  }

  protected override onBeforeDetach(): void {
    document.removeEventListener('keydown', this.onEnter, true);
  }

  private readonly onEnter = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement | null;
    if (event.key !== 'Enter' || !target || !this.node.contains(target)) return;
    if (target instanceof HTMLButtonElement) {
      event.preventDefault();
      event.stopPropagation();
      target.click();
    } else if (target.closest('form')) {
      event.preventDefault();
      event.stopPropagation();
      target.closest('form')!.requestSubmit();
    }
  };

  private async reload(): Promise<void> {
    try {
      this.grants = await this.client.permissions(this.narrative.wsid);
    } catch (error) {
      this.say(describeError(error), true);
    }
    this.render();
  }

  private say(message: string, error = false): void {
    this.message = message;
    this.error = error;
  }

  private async change(share: { user: string; level: Level | 'none' } | { public: boolean }, done: string): Promise<void> {
    try {
      this.narrative = await this.client.shareNarrative(this.narrative.id, share);
      this.say(done);
      await this.reload();
    } catch (error) {
      this.say(describeError(error), true);
      this.render();
    }
  }

  private render(): void {
    const { trans } = this;
    const typing = document.activeElement instanceof HTMLInputElement && this.node.contains(document.activeElement) && document.activeElement.classList.contains('jp-narrative-ShareUserName');
    this.node.replaceChildren();

    const linkRow = el('div', 'jp-narrative-ShareLink');
    const link = el('input', 'jp-narrative-ShareUrl');
    link.readOnly = true;
    link.value = shareUrl(this.narrative);
    link.setAttribute('aria-label', trans.__('Share link'));
    const copy = el('button', 'jp-Button jp-mod-styled jp-narrative-ShareCopyLink', trans.__('Copy link'));
    copy.addEventListener('click', () => {
      link.select();
      navigator.clipboard?.writeText(link.value).then(
        () => { this.say(trans.__('The link is copied.')); this.render(); },
        () => { this.say(trans.__('Select the link and copy it.')); this.render(); },
      );
    });
    linkRow.append(link, copy);
    this.node.appendChild(linkRow);
    if (!this.canManage) {
      this.node.appendChild(el('p', 'jp-narrative-Meta', this.narrative.published
        ? trans.__('Published: anyone can read it, for good, and nobody can change it.')
        : trans.__('Only its owner and those who can share it change who has access.')));
    }

    const publicRow = el('label', 'jp-narrative-SharePublic');
    const publicBox = el('input', '');
    publicBox.type = 'checkbox';
    publicBox.checked = this.narrative.public;
    publicBox.disabled = !this.canManage;
    publicBox.addEventListener('change', () => void this.change({ public: publicBox.checked }, publicBox.checked ? trans.__('Anyone with the link can now read it.') : trans.__('It is no longer public.')));
    publicRow.append(publicBox, el('span', '', trans.__('Public: anyone with the link can read it, even signed out, and every user finds it under Public')));
    this.node.appendChild(publicRow);

    this.node.appendChild(el('div', 'jp-narrative-SectionTitle', trans.__('People')));
    const people = el('ul', 'jp-narrative-ShareGrants');
    if (this.grants) {
      people.appendChild(el('li', 'jp-narrative-ShareGrant', trans.__('%1 (owner)', this.grants.owner)));
      for (const grant of this.grants.grants) {
        const item = el('li', 'jp-narrative-ShareGrant');
        item.dataset.user = grant.user;
        const level = this.levelSelect(grant.level as Level);
        level.disabled = !this.canManage;
        level.addEventListener('change', () => void this.change({ user: grant.user, level: level.value as Level }, trans.__('%1 %2.', grant.user, this.levelLabel(level.value as Level))));
        const remove = el('button', 'jp-Button jp-mod-styled jp-mod-warn jp-narrative-ShareRemove', trans.__('Remove'));
        remove.addEventListener('click', () => void this.change({ user: grant.user, level: 'none' }, trans.__('%1 no longer has access.', grant.user)));
        remove.disabled = !this.canManage;
        item.append(el('span', 'jp-narrative-ShareUser', grant.user), level, remove);
        people.appendChild(item);
      }
    }
    this.node.appendChild(people);

    const add = el('form', 'jp-narrative-ShareAdd');
    const user = el('input', 'jp-narrative-ShareUserName');
    user.placeholder = trans.__('user name');
    user.setAttribute('aria-label', trans.__('User name'));
    user.value = this.draft.user;
    user.addEventListener('input', () => (this.draft.user = user.value));
    const level = this.levelSelect(this.draft.level);
    level.addEventListener('change', () => (this.draft.level = level.value as Level));
    const submit = el('button', 'jp-Button jp-mod-styled jp-mod-accept jp-narrative-ShareAddButton', trans.__('Add'));
    submit.type = 'submit';
    add.addEventListener('submit', (event) => {
      event.preventDefault();
      const name = user.value.trim();
      if (!name) {
        this.say(trans.__('Type a user name first.'), true);
        this.render();
        return;
      }
      this.draft = { user: '', level: 'read' };
      void this.change({ user: name, level: level.value as Level }, trans.__('%1 %2.', name, this.levelLabel(level.value as Level)));
    });
    add.append(user, level, submit);
    if (this.canManage) this.node.appendChild(add);
    if (typing) user.focus();

    // Not jp-mod-error: inside a dialog that class keeps its Done button disabled.
    if (this.message) this.node.appendChild(el('p', `jp-narrative-Message jp-narrative-ShareMessage${this.error ? ' jp-narrative-mod-failed' : ''}`, this.message));
  }

  private levelLabel(level: Level): string {
    return { read: this.trans.__('can read'), write: this.trans.__('can edit'), admin: this.trans.__('can share') }[level];
  }

  private levelSelect(current: Level): HTMLSelectElement {
    const select = el('select', 'jp-narrative-ShareLevel');
    select.setAttribute('aria-label', this.trans.__('Level'));
    for (const l of LEVELS) {
      const option = el('option', '', this.levelLabel(l));
      option.value = l;
      option.selected = l === current;
      select.appendChild(option);
    }
    return select;
  }
}
