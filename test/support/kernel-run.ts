import WebSocket from 'ws';
import { bearer, type Harness } from './harness.js';

/**
 * Runs code on a kernel through the proxy's websocket as JupyterLab does (with
 * `cellId`, its cell id in the request's metadata); resolves with all it printed
 * once the kernel is idle again, rejects with the error (its traceback attached).
 */
export function runOnKernel(h: Harness, token: string, kernel: string, code: string, o: { cellId?: string; timeoutMs?: number } = {}): Promise<string> {
  const ws = new WebSocket(`${h.server.url.replace('http', 'ws')}/api/kernels/${kernel}/channels?session_id=test`, { headers: bearer(token) });
  const msgId = `run-${Math.random()}`;
  const timeoutMs = o.timeoutMs ?? 60_000;
  let printed = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the kernel did not finish within ${timeoutMs / 1000} s; printed: ${printed}`)), timeoutMs);
    const done = (fn: () => void) => {
      clearTimeout(timer);
      ws.close();
      fn();
    };
    ws.on('open', () => ws.send(JSON.stringify({
      header: { msg_id: msgId, username: 'test', session: 'test', msg_type: 'execute_request', version: '5.3' },
      parent_header: {}, metadata: o.cellId ? { cellId: o.cellId, deletedCells: [], recordTiming: false, trusted: true } : {}, channel: 'shell', content: { code, silent: false },
    })));
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { msg_type: string; parent_header: { msg_id?: string }; content: { text?: string; ename?: string; evalue?: string; traceback?: string[]; execution_state?: string } };
      if (m.parent_header.msg_id !== msgId) return;
      if (m.msg_type === 'stream') printed += m.content.text ?? '';
      if (m.msg_type === 'error') done(() => reject(Object.assign(new Error(`${m.content.ename}: ${m.content.evalue}`), { traceback: (m.content.traceback ?? []).join('\n') })));
      if (m.msg_type === 'status' && m.content.execution_state === 'idle') done(() => resolve(printed));
    });
    ws.on('unexpected-response', (_req, res) => done(() => reject(new Error(`refused: ${res.statusCode}`))));
    ws.on('error', (error) => done(() => reject(error)));
  });
}
