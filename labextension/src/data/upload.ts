import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ObjectInfo } from '@narrative/server/client';
import { Widget } from '@lumino/widgets';
import { xsrfToken } from '../client/client.js';

export interface ITypeInfo {
  id: string;
  title: string;
}

export interface IUploadRequest {
  file: File;
  type: string;
  name: string;
}

/** An object name from a file name: the characters names allow (letters, digits, _ . + = @ , -), not starting with a dot. */
export function objectNameOf(filename: string): string {
  return filename.replace(/[^A-Za-z0-9_.+=@,-]/g, '_').replace(/^\.+/, '').slice(0, 255) || 'upload';
}

/**
 * POSTs the multipart upload with XMLHttpRequest, which (unlike fetch)
 * reports upload progress. Sends the session cookie and its XSRF twin.
 */
export function uploadWithProgress(ws: number, request: IUploadRequest, onProgress: (loaded: number, total: number) => void): Promise<ObjectInfo> {
  const form = new FormData();
  form.set('name', request.name);
  form.set('type', request.type);
  form.set('file', request.file, request.file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', URLExt.join(PageConfig.getBaseUrl(), 'api/v1/workspaces', String(ws), 'upload'));
    xhr.setRequestHeader('X-XSRFToken', xsrfToken());
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : request.file.size);
    xhr.onload = () => {
      let body: { title?: string; detail?: string } & Partial<ObjectInfo> = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // a non-JSON answer: reported by status below
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as ObjectInfo);
      else reject(new Error(body.detail ? `${body.title ?? xhr.status}: ${body.detail}` : `${xhr.status} ${xhr.statusText}`));
    };
    xhr.onerror = () => reject(new Error('The connection to the server failed.'));
    xhr.send(form);
  });
}

/** The Upload dialog's body: a file, its type, and the object's name. */
export class UploadForm extends Widget {
  private readonly fileInput = document.createElement('input');
  private readonly typeSelect = document.createElement('select');
  private readonly nameInput = document.createElement('input');

  constructor(types: ITypeInfo[], trans: TranslationBundle) {
    super();
    this.addClass('jp-narrative-UploadForm');
    this.fileInput.type = 'file';
    this.fileInput.className = 'jp-narrative-UploadFile';
    this.typeSelect.className = 'jp-narrative-UploadType';
    for (const t of types.filter((t) => t.id !== 'Narrative.Narrative-1.0')) {
      this.typeSelect.append(new Option(`${t.title} (${t.id})`, t.id));
    }
    this.nameInput.className = 'jp-narrative-UploadName';
    this.nameInput.placeholder = trans.__('the file name');
    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      if (file && !this.nameInput.value) this.nameInput.value = objectNameOf(file.name);
    });
    const row = (label: string, control: HTMLElement) => {
      const l = document.createElement('label');
      l.append(label, control);
      this.node.append(l);
    };
    row(trans.__('File'), this.fileInput);
    row(trans.__('Type'), this.typeSelect);
    row(trans.__('Name'), this.nameInput);
  }

  /** What to upload, or null without a file. */
  getValue(): IUploadRequest | null {
    const file = this.fileInput.files?.[0];
    if (!file || !this.typeSelect.value) return null;
    return { file, type: this.typeSelect.value, name: this.nameInput.value.trim() || objectNameOf(file.name) };
  }
}
