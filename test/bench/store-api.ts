/**
 * Object saves, gets and list pages through the HTTP API with Node's fetch,
 * which keeps its connections alive: what a client pays per call, without
 * the typed client's own work.
 */
export class ApiObjects {
  /** How list pages are asked for: by the keyset cursor when the server offers one, else by offset. */
  pagingBy: 'keyset cursor' | 'offset' | 'not yet asked' = 'not yet asked';

  constructor(private readonly url: string, private readonly token: string) {}

  async save(wsid: number, name: string, data: unknown): Promise<void> {
    await this.call('POST', `/workspaces/${wsid}/objects`, 201, { name, type: 'Report.Report-1.0', data });
  }

  async get(wsid: number, objid: number, ver: number): Promise<void> {
    await this.call('GET', `/objects/${wsid}/${objid}/${ver}`, 200);
  }

  /** The cheapest call there is: no caller to authenticate, one small query. */
  async health(): Promise<void> {
    await this.call('GET', '/health', 200);
  }

  /** How many objects a workspace holds, by walking its pages. */
  async count(wsid: number): Promise<number> {
    let count = 0;
    for (let offset = 0; ; offset += 1000) {
      const page = (await this.call('GET', `/workspaces/${wsid}/objects?limit=1000&offset=${offset}`, 200)) as { items: unknown[] };
      count += page.items.length;
      if (page.items.length < 1000) return count;
    }
  }

  /** The page of `limit` objects after the `after` first ones (objids 1…after). */
  async pageAfter(wsid: number, after: number, limit: number): Promise<void> {
    if (this.pagingBy === 'not yet asked') {
      const first = (await this.call('GET', `/workspaces/${wsid}/objects?limit=1`, 200)) as { next?: unknown };
      this.pagingBy = typeof first.next === 'string' ? 'keyset cursor' : 'offset';
    }
    const where = this.pagingBy === 'keyset cursor' ? `cursor=${after}` : `offset=${after}`;
    const page = (await this.call('GET', `/workspaces/${wsid}/objects?limit=${limit}&${where}`, 200)) as { items: { objid: number }[] };
    if (page.items[0]?.objid !== after + 1 || page.items.length !== limit) throw new Error(`the page after ${after} starts at ${page.items[0]?.objid} with ${page.items.length} objects`);
  }

  private async call(method: string, path: string, expected: number, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((error: Error) => {
      throw new Error(`${method} ${path} failed: ${String(error.cause ?? error)}`);
    });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as unknown;
  }
}
