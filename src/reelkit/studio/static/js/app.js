// reel studio: bin, edit (player + transcript), export. State lives on the server; this file wires views.
import { get, post, posterUrl, mediaUrl, subscribeJobs } from './api.js';
import { Player } from './player.js';
import { TranscriptEditor } from './transcript.js';
import { clock } from './timecode.js';
import { ScriptView } from './script.js';
import { GradeView } from './grade.js';
import { ReframeView } from './reframe.js';
import { $, el } from './dom.js';


let toastTimer = null;
function toast(msg) {
  const t = $('toast');
  t.textContent = msg;
  t.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove('show'), 3500);
}

const state = { media: [], open: null, jobs: new Map(), events: 0, progressSeen: 0 };
const player = new Player();
const editor = new TranscriptEditor(player, toast);
const scriptView = new ScriptView(toast);
const gradeView = new GradeView(toast);
const reframeView = new ReframeView(toast);
window.reelStudio = { player, editor, state, scriptView, gradeView, reframeView };   // for the end-to-end tests and the curious

// -- views -----------------------------------------------------------------------------------------------
function show(view) {
  document.querySelectorAll('.tabs button').forEach((b) => b.classList.toggle('active', b.dataset.view === view));
  document.querySelectorAll('.view').forEach((v) => v.classList.toggle('active', v.id === `view-${view}`));
  document.body.dataset.view = view;
  if (view === 'script') scriptView.list();
  if (view === 'reframe') reframeView.show(state.open, state.detail && state.detail.entry.probe);
  if (view === 'grade') gradeView.show(state.open, state.detail && state.detail.entry.probe, player.frame, state.media);
}
document.querySelectorAll('.tabs button').forEach((b) => b.addEventListener('click', () => show(b.dataset.view)));

// -- bin -------------------------------------------------------------------------------------------------
// FFmpeg names a demuxer by all its aliases ("mov,mp4,m4a,3gp,3g2,mj2"): show the one the file's
// extension names, so an .mp4 reads MP4 rather than MOV
function containerName(container, path) {
  if (!container) return '';
  const names = container.split(',');
  const ext = (path || '').split('.').pop().toLowerCase();
  return (names.includes(ext) ? ext : names[0]).toUpperCase();
}

function describe(p, path) {
  if (!p) return '';
  const parts = [containerName(p.container, path)];
  if (p.video) {
    const r = p.rate ? p.rate.split('/').map(Number) : null;
    parts.push(`${p.video.width}×${p.video.height}` + (r ? ` · ${(r[0] / (r[1] || 1)).toFixed(3).replace(/\.?0+$/, '')} fps` : ''));
  }
  if (p.audio) parts.push(`${p.audio.sample_rate / 1000} kHz ${p.audio.layout || p.audio.channels + ' ch'}`);
  return parts.filter(Boolean).join(' · ');
}

function jobFor(rel, kind) {
  for (const j of state.jobs.values()) if (j.media === rel && j.kind === kind && (j.state === 'running' || j.state === 'queued')) return j;
  return null;
}

function renderBin() {
  const bin = $('bin');
  bin.replaceChildren();
  $('bin-count').textContent = `${state.media.length} file(s)`;
  if (!state.media.length) {
    bin.append(el('p', 'muted', 'No media files in this folder. Add clips (mp4, mov, mkv, wav…) and press Refresh.'));
  }
  for (const m of state.media) {
    const card = el('article', 'card');
    card.dataset.path = m.path;
    const pic = el('div', 'poster');
    if (m.probe && m.probe.video) {
      const img = el('img');
      img.src = posterUrl(m.path); img.alt = ''; img.loading = 'lazy';
      pic.append(img);
    } else pic.append(el('span', 'audio-only', m.error ? '⚠' : '♪'));
    if (m.probe) pic.append(el('span', 'dur', clock(m.probe.duration_s)));
    card.append(pic);
    const body = el('div', 'card-body');
    body.append(el('div', 'name', m.path));
    body.append(el('div', 'meta muted', m.error ? m.error : describe(m.probe, m.path)));
    const chips = el('div', 'chips');
    const a = m.analysed || {};
    if (m.probe && m.probe.video) chips.append(el('span', 'chip' + (a.shots ? ' ok' : ''), a.shots ? 'shots ✓' : 'shots –'));
    if (m.probe && m.probe.audio) chips.append(el('span', 'chip' + (a.transcript ? ' ok' : ''), a.transcript ? 'transcript ✓' : 'transcript –'));
    if (m.probe && m.probe.video && !m.probe.browser_playable) chips.append(el('span', 'chip' + (a.proxy ? ' ok' : ''), a.proxy ? 'proxy ✓' : 'needs proxy'));
    body.append(chips);
    const job = jobFor(m.path, 'analyse');
    const bar = el('div', 'progress');
    const fill = el('div', 'fill');
    bar.append(fill);
    bar.hidden = !job;
    if (job) fill.style.width = `${100 * job.done / (job.total || 1)}%`;
    body.append(bar);
    const actions = el('div', 'actions');
    if (!m.error) {
      const done = (!m.probe.video || a.shots) && (!m.probe.audio || a.transcript) &&
        (!m.probe.video || m.probe.browser_playable || a.proxy);
      const an = el('button', 'analyse' + (done ? ' ghost' : ''), job ? 'Analysing…' : done ? 'Analysed' : 'Analyse');
      an.disabled = !!job || done;
      an.addEventListener('click', () => analyse(m.path));
      const open = el('button', 'open', 'Open');
      open.addEventListener('click', () => openClip(m.path));
      actions.append(an, open);
    }
    body.append(actions);
    card.append(body);
    bin.append(card);
  }
}

async function loadBin() {
  try {
    const r = await get('/api/media');
    state.media = r.media;
    renderBin();
  } catch (e) { toast(e.message); }
}
$('bin-refresh').addEventListener('click', loadBin);
$('bin-analyse-all').addEventListener('click', async () => {
  const todo = state.media.filter((m) => !m.error && m.probe && (
    (m.probe.video && !m.analysed.shots) || (m.probe.audio && !m.analysed.transcript) ||
    (m.probe.video && !m.probe.browser_playable && !m.analysed.proxy)) && !jobFor(m.path, 'analyse'));
  if (!todo.length) { toast('Everything is analysed'); return; }
  for (const m of todo) await analyse(m.path);
  toast(`${todo.length} clip(s) queued for analysis`);
});

async function analyse(rel) {
  try {
    const j = await post('/api/analyse', { path: rel });
    state.jobs.set(j.job, j);
    renderBin();
    renderJobs();
  } catch (e) { toast(e.message); }
}

// -- jobs (server-sent events) -----------------------------------------------------------------------------
function renderJobs() {
  const box = $('jobs');
  box.replaceChildren();
  for (const j of state.jobs.values()) {
    if (j.state !== 'running' && j.state !== 'queued') continue;
    const pct = Math.round(100 * j.done / (j.total || 1));
    box.append(el('span', 'job', `${j.kind} ${j.media.split('/').pop()} ${j.state === 'queued' ? 'queued' : pct + '%'}`));
  }
}

subscribeJobs((j) => {
  const prev = state.jobs.get(j.job);
  state.events += 1;
  if (j.state === 'running' && j.done > 0 && j.done < j.total) state.progressSeen += 1;
  state.jobs.set(j.job, j);
  renderJobs();
  const card = document.querySelector(`.card[data-path="${CSS.escape(j.media)}"]`);
  if (card && j.kind === 'analyse') {
    const bar = card.querySelector('.progress');
    bar.hidden = !(j.state === 'running' || j.state === 'queued');
    card.querySelector('.fill').style.width = `${100 * j.done / (j.total || 1)}%`;
  }
  const finished = prev && prev.state !== j.state && (j.state === 'done' || j.state === 'failed');
  if (!finished) return;
  if (j.state === 'failed') toast(`${j.kind} of ${j.media} failed: ${j.error}`);
  if (j.kind === 'analyse') {
    loadBin();
    if (j.state === 'done' && state.open === j.media) openClip(j.media, false);
  }
  if (j.kind === 'render' && !(j.result && j.result.file && j.result.file.includes('.reframe-'))) {
    exportDone(j.state === 'done' ? j.result : null, j.error);
  }
  scriptView.onJob(j);
  reframeView.onJob(j);
});

// -- open a clip -------------------------------------------------------------------------------------------
async function openClip(rel, switchView = true) {
  try {
    const d = await get('/api/media/detail', { path: rel });
    state.open = rel;
    state.detail = d;
    player.load(rel, d.entry.probe, d.shots);
    editor.load(rel, d.transcript, d.edit);
    $('export-clip').textContent = `· ${rel}`;
    renderExport();
    if (switchView) show('edit');
  } catch (e) { toast(e.message); }
}

// -- export ------------------------------------------------------------------------------------------------
const FORMATS = [
  ['otio', 'OpenTimelineIO', 'DaVinci Resolve 18.5+, OTIO tools'],
  ['fcpxml', 'FCPXML', 'Final Cut Pro, Resolve'],
  ['fcp7', 'FCP7 XML', 'Premiere Pro, Resolve'],
  ['edl', 'EDL', 'CMX3600: Premiere, Resolve, Avid'],
  ['srt', 'SRT captions', 'on the cut timeline'],
  ['vtt', 'WebVTT captions', 'on the cut timeline'],
  ['mp4', 'Rendered MP4', 'H.264 + AAC, 10 ms crossfades at cuts'],
];

function renderExportSummary(r) {
  const box = $('export-summary');
  if (!r || !state.open) { box.textContent = ''; return; }
  const rate = r.rate.split('/').map(Number);
  const total = r.total_frames * rate[1] / rate[0];
  box.textContent = `The edit: ${editor.deleted.size} word(s) and ${editor.cutPauses.size} pause(s) cut · ` +
    `${clock(r.kept_s)} of ${clock(total)} kept in ${r.keep.length} clip(s) at ${(rate[0] / rate[1]).toFixed(3)} fps`;
}
editor.onEdit = renderExportSummary;

function renderExport() {
  const grid = $('export-grid');
  grid.replaceChildren();
  for (const [fmt, name, note] of FORMATS) {
    const b = el('button', 'export-btn');
    b.dataset.format = fmt;
    b.append(el('strong', '', name), el('span', 'muted', note));
    b.disabled = !state.open || !(state.detail && state.detail.transcript);  // the edit lives on the transcript
    b.addEventListener('click', () => doExport(fmt, b));
    grid.append(b);
  }
  if (!state.open) grid.append(el('p', 'muted', 'Open a clip first.'));
  else if (!state.detail.transcript) grid.append(el('p', 'muted', 'Analyse the clip first: the edit is made on its transcript.'));
}

async function doExport(fmt, btn) {
  if (!state.open) { toast('Open a clip first'); return; }
  btn.disabled = true;
  try {
    const r = await post('/api/export', {
      path: state.open, format: fmt, edit: { deleted: [...editor.deleted], pauses: [...editor.cutPauses] },
    });
    if (r.state === 'done') exportDone(r.result);
    else { state.jobs.set(r.job, r); renderJobs(); toast('Rendering… progress at the top right'); }
  } catch (e) { toast(e.message); }
  btn.disabled = false;
}

function exportDone(res, error) {
  const list = $('export-results');
  const li = el('li');
  if (!res) { li.append(el('span', 'err', `failed: ${error || 'unknown error'}`)); }
  else {
    const a = el('a', '', res.file);
    a.href = mediaUrl(res.file);
    a.target = '_blank';
    a.dataset.format = res.format;
    li.append(el('span', 'fmt', res.format.toUpperCase()), a);
  }
  list.prepend(li);
}

// -- start -------------------------------------------------------------------------------------------------
renderExport();
loadBin().then(() => {
  document.body.dataset.ready = '1';
  performance.mark('reel-ready');
});
