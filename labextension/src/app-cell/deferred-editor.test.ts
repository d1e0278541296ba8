import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CodeEditor } from '@jupyterlab/codeeditor';
import { Signal } from '@lumino/signaling';
import { DeferredEditor } from './deferred-editor.js';

/** A model with `source`, enough of CodeEditor.IModel for what the editor reads. */
function model(source: string): CodeEditor.IModel {
  return { sharedModel: { getSource: () => source } } as unknown as CodeEditor.IModel;
}

/** A factory of fake real editors, recording what each was made with and asked. */
function factory() {
  const made: { options: CodeEditor.IOptions; calls: string[]; edge: Signal<unknown, CodeEditor.EdgeLocation> }[] = [];
  const make: CodeEditor.Factory = (options) => {
    const calls: string[] = [];
    const edge = new Signal<unknown, CodeEditor.EdgeLocation>({});
    made.push({ options, calls, edge });
    const real = {
      edgeRequested: edge,
      lineHeight: 17,
      view: { dispatched: 0, dispatch() { this.dispatched++; } },
      focus: () => calls.push('focus'),
      getOffsetAt: (p: CodeEditor.IPosition) => (calls.push('getOffsetAt'), p.line * 100 + p.column),
      setOption: (name: string, value: unknown) => calls.push(`setOption ${name}=${String(value)}`),
      dispose: () => calls.push('dispose'),
    };
    return real as unknown as CodeEditor.IEditor;
  };
  return { make, made };
}

const host = {} as HTMLElement;

describe('the deferred editor of an app cell', () => {
  it('answers what the notebook asks of every editor as an empty editor would, without making the real one', () => {
    const f = factory();
    const editor = new DeferredEditor({ host, model: model('') , config: { lineNumbers: false } }, f.make);
    editor.focus();
    editor.setCursorPosition({ line: 0, column: 0 });
    editor.setOptions({ lineWrap: true });
    editor.setOption('readOnly', true);
    assert.equal(editor.hasFocus(), false);
    assert.deepEqual(editor.getCursorPosition(), { line: 0, column: 0 });
    assert.deepEqual(editor.getSelections(), [{ start: { line: 0, column: 0 }, end: { line: 0, column: 0 } }]);
    assert.equal(editor.lineCount, 1);
    assert.equal(editor.getOption('readOnly'), true);
    assert.equal(editor.getOption('lineNumbers'), false);
    assert.equal(typeof editor.uuid, 'string');
    assert.equal(editor.materialized, false);
    assert.equal(f.made.length, 0);
    assert.equal((editor as unknown as { then?: unknown }).then, undefined, 'awaiting it makes nothing');
  });

  it('makes the real editor, once, with the options given so far, for anything more, and hands it every later call', () => {
    const f = factory();
    const editor = new DeferredEditor({ host, model: model('a\nb'), uuid: 'cell-editor', config: { lineNumbers: false } }, f.make);
    editor.setOption('readOnly', true);
    const edges: CodeEditor.EdgeLocation[] = [];
    editor.edgeRequested.connect((_, where) => edges.push(where));
    assert.equal(editor.getOffsetAt({ line: 1, column: 1 }), 101);
    const view = (editor as unknown as { view: { dispatch(): void; dispatched: number } }).view;
    view.dispatch();
    assert.equal(view.dispatched, 1, "a member of the real editor's own is the real editor's");
    assert.equal(editor.lineHeight, 17);
    editor.focus();
    editor.setOption('lineWrap', 'on');
    f.made[0]!.edge.emit('top');
    editor.dispose();
    assert.equal(f.made.length, 1);
    assert.equal(f.made[0]!.options.uuid, 'cell-editor');
    assert.deepEqual(f.made[0]!.options.config, { lineNumbers: false, readOnly: true });
    assert.deepEqual(f.made[0]!.calls, ['getOffsetAt', 'focus', 'setOption lineWrap=on', 'dispose']);
    assert.deepEqual(edges, ['top'], "the notebook's handler, connected before, hears the real editor's edge requests");
    assert.equal(editor.isDisposed, true);
  });

  it('answers as a disposed real editor when asked for more after its cell went', () => {
    const f = factory();
    const editor = new DeferredEditor({ host, model: model('') }, f.make);
    editor.dispose();
    const view = (editor as unknown as { view: { dispatch(): void } }).view;
    view.dispatch();
    assert.deepEqual(f.made[0]!.calls, ['dispose']);
  });
});
