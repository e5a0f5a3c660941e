// Talking to the studio server: the session token goes in a header on every request.
const TOKEN = document.querySelector('meta[name="reel-token"]').content;

export class ApiError extends Error {}

async function handle(res) {
  let data = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  if (!res.ok || (data && data.ok === false)) {
    throw new ApiError((data && data.error) || `${res.status} ${res.statusText}`);
  }
  return data;
}

export async function get(path, params) {
  const q = params ? '?' + new URLSearchParams(params).toString() : '';
  return handle(await fetch(path + q, { headers: { 'X-Reel-Token': TOKEN }, credentials: 'same-origin' }));
}

export async function post(path, body) {
  return handle(await fetch(path, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'X-Reel-Token': TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify(body || {}),
  }));
}

// A project file's URL (served with HTTP Range); each path segment encoded.
export function mediaUrl(rel) {
  return '/media/' + rel.split('/').map(encodeURIComponent).join('/');
}

export function playUrl(rel) { return '/api/play?' + new URLSearchParams({ path: rel }); }
export function posterUrl(rel) { return '/api/poster?' + new URLSearchParams({ path: rel }); }
export function thumbUrl(rel, name) { return '/api/thumb?' + new URLSearchParams({ path: rel, name }); }

// Server-sent job events: calls onJob(job) for each.
export function subscribeJobs(onJob) {
  const es = new EventSource('/api/events', { withCredentials: true });
  es.addEventListener('job', (ev) => onJob(JSON.parse(ev.data)));
  return es;
}
