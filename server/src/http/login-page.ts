import type { Request, Response } from 'express';
import { page } from './html.js';

/** A plain sign-in form; it posts to /api/v1/login, which sets the session cookie. */
export function loginPage(req: Request, res: Response): void {
  // Only a path on this server: not `//host` or `/\host` (browsers read both as another host), no control characters.
  const next = typeof req.query.next === 'string' && /^\/(?![/\\])[^\u0000-\u001f\u007f]*$/.test(req.query.next) ? req.query.next : '/lab';
  res.type('html').send(
    page(
      'Sign in',
      `<h1>Sign in to narrative</h1>
<form id="login">
  <label for="name">User name</label><input id="name" name="name" autocomplete="username">
  <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
  <p class="muted">Or paste an API token instead of a name and password:</p>
  <label for="token">API token</label><input id="token" name="token" autocomplete="off">
  <button type="submit">Sign in</button>
  <p id="error" class="problem" hidden></p>
</form>
<script>
document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const token = form.get('token');
  const body = token ? { token } : { name: form.get('name'), password: form.get('password') };
  const response = await fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (response.ok) { location.href = ${JSON.stringify(next).replace(/</g, '\\u003c')}; return; }
  const problem = await response.json().catch(() => ({ detail: response.statusText }));
  const error = document.getElementById('error');
  error.textContent = problem.detail; error.hidden = false;
});
</script>`,
    ),
  );
}
