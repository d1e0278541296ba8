import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Cell, type CodeCell } from '@jupyterlab/cells';
import { IEditorServices, type CodeEditor } from '@jupyterlab/codeeditor';
import { NotebookPanel } from '@jupyterlab/notebook';
import { DeferredEditor } from './deferred-editor.js';
import { appStateOf } from './metadata.js';

/**
 * The notebook's cells as JupyterLab makes them, but an app cell's editor is
 * a DeferredEditor: its input is hidden and empty, and a CodeMirror editor
 * for each of hundreds of app cells was most of what opening a large
 * narrative cost beyond the same notebook of plain cells.
 */
export class NarrativeContentFactory extends NotebookPanel.ContentFactory {
  private readonly appCellContent: Cell.ContentFactory;

  constructor(options: Cell.ContentFactory.IOptions) {
    super(options);
    const real: CodeEditor.Factory = options.editorFactory;
    this.appCellContent = new Cell.ContentFactory({ editorFactory: (editor) => new DeferredEditor(editor, real) });
  }

  override createCodeCell(options: CodeCell.IOptions): CodeCell {
    return super.createCodeCell(appStateOf(options.model) ? { ...options, contentFactory: this.appCellContent } : options);
  }
}

/** Takes the place of `@jupyterlab/notebook-extension:factory` (left out in app/excluded.ts), as that plugin makes its factory. */
export const notebookContentFactoryPlugin: JupyterFrontEndPlugin<NotebookPanel.IContentFactory> = {
  id: '@narrative/labextension:notebook-content-factory',
  description: "Provides the notebook and cell factory: JupyterLab's own, with app cells made without a code editor until one is needed.",
  provides: NotebookPanel.IContentFactory,
  requires: [IEditorServices],
  autoStart: true,
  activate: (_app, editorServices: IEditorServices) => new NarrativeContentFactory({ editorFactory: editorServices.factoryService.newInlineEditor }),
};
