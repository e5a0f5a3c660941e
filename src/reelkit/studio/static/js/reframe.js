// Reframe view: the planned crop window (reel reframe) drawn over the video, the subject that steered each
// shot and why, crop keyframes you drag. The path, keyframes and exports all come from the server.
import { get, post, playUrl, mediaUrl } from './api.js';
import { parseRate, frameMid, secondsToFrame, timecode } from './timecode.js';
import { $, el } from './dom.js';

const REASON = {
  steady: 'one position keeps the subject in frame for the whole shot, so the camera does not move',
  pan: 'the subject travels one way: the camera pans with it',
  track: 'the subject moves around: the camera follows it smoothly',
  split: 'two subjects do not fit one window: stacked split screen',
  pad: 'the subjects do not fit: the whole picture over a blurred fill',
  passthrough: 'the source already has this aspect',
};
const SUBJECT = { face: 'a face', person: 'a person', motion: 'a moving object', saliency: 'the most salient region', none: 'nothing found (centre)' };

export class ReframeView {
  constructor(toast) {
    this.toast = toast;
    this.video = $('rf-video');
    this.view = null;
    this.frame = 0;
    this.bind();
  }

  async show(rel, probe) {
    const has = !!(rel && probe && probe.video);
    $('rf-empty').hidden = has && this.view && this.view.planned;
    if (!has) return;
    if (rel !== this.rel) {
      this.rel = rel;
      this.rate = parseRate(probe.rate);
      this.frames = probe.frames || 1;
      this.video.src = playUrl(rel);
      $('rf-clip').textContent = `· ${rel}`;
      $('rf-results').replaceChildren();
    }
    await this.load();
  }

  async load() {
    try {
      this.view = await get('/api/reframe', { path: this.rel, aspect: $('rf-aspect').value });
    } catch (e) { this.toast(e.message); return; }
    $('rf-empty').hidden = this.view.planned;
    $('rf-empty').textContent = this.view.planned ? '' : 'No reframe planned for this aspect yet: press Plan reframe';
    this.keys = this.view.planned ? this.view.shots.flatMap((s, i) => s.keyframes.map((k) => ({ ...k, shot: i }))) : [];
    this.renderShots();
    this.renderKeys();
    this.draw();
    document.body.dataset.reframeSeq = String(Number(document.body.dataset.reframeSeq || 0) + 1);
  }

  onJob(j) {
    if (j.media !== this.rel) return;
    if (j.kind === 'reframe' && j.state === 'done') this.load();
    if (j.kind === 'reframe' && j.state === 'failed') this.toast(`reframe failed: ${j.error}`);
    if (j.kind === 'render' && j.state === 'done' && j.result && j.result.file.includes('.reframe-')) this.result(j.result);
  }

  shotAt(f) { return this.view.shots.findIndex((s) => f >= s.start && f <= s.end); }

  // displayed picture rectangle inside the wrapper (object-fit: contain)
  rect() {
    const box = $('rf-wrap').getBoundingClientRect();
    const [sw, sh] = this.view.source_size;
    const k = Math.min(box.width / sw, box.height / sh);
    return { k, ox: (box.width - sw * k) / 2, oy: (box.height - sh * k) / 2 };
  }

  draw() {
    const win = $('rf-window');
    if (!this.view || !this.view.planned) { win.hidden = true; return; }
    const f = Math.min(this.frame, this.view.windows.length - 1);
    let [x, y, w, h] = this.view.windows[f];
    if (this.drag) { x = this.drag.x; y = this.drag.y; }
    const r = this.rect();
    Object.assign(win.style, { left: `${r.ox + x * r.k}px`, top: `${r.oy + y * r.k}px`, width: `${w * r.k}px`, height: `${h * r.k}px` });
    win.hidden = false;
    const si = this.shotAt(f);
    const s = this.view.shots[si];
    const key = this.keys.find((k) => k.frame === f);
    win.classList.toggle('on-key', !!key);
    $('rf-label').textContent = s ? `${s.mode} · ${s.subject || 'none'}` : '';
    $('rf-keyinfo').textContent = key ? `keyframe at ${timecode(f, this.rate)}: drag the window to move it` : '';
    $('rf-tc').textContent = timecode(f, this.rate);
    $('rf-playhead').style.left = `${100 * f / this.frames}%`;
    document.querySelectorAll('.rf-shot').forEach((e, i) => e.classList.toggle('active', i === si));
  }

  seek(f) {
    this.frame = Math.max(0, Math.min(this.frames - 1, f));
    this.video.currentTime = frameMid(this.frame, this.rate);
    this.draw();
  }

  renderShots() {
    const box = $('rf-shots');
    box.replaceChildren();
    if (!this.view.planned) return;
    const [ow, oh] = this.view.output_size;
    box.append(el('p', 'muted small', `${this.view.shots.length} shot(s) · output ${ow}×${oh} · ${this.keys.length} keyframe(s)`));
    this.view.shots.forEach((s) => {
      const d = el('button', 'rf-shot');
      d.append(el('strong', '', `${timecode(s.start, this.rate)} – ${timecode(s.end, this.rate)} · ${s.mode}`));
      d.append(el('span', '', `follows ${SUBJECT[s.subject] || s.subject || 'nothing'}${s.speaker ? ' (the active speaker)' : ''}: ${REASON[s.mode] || ''}`));
      d.addEventListener('click', () => { this.video.pause(); this.seek(s.start); });
      box.append(d);
    });
  }

  renderKeys() {
    const layer = $('rf-keys-layer');
    layer.replaceChildren();
    for (const k of this.keys) {
      const m = el('button', 'keyframe' + (k.moved ? ' moved' : ''));
      m.style.left = `${100 * k.frame / this.frames}%`;
      m.title = `keyframe ${timecode(k.frame, this.rate)} x ${Math.round(k.x)} y ${Math.round(k.y)}${k.moved ? ' (moved)' : ''}`;
      m.dataset.frame = String(k.frame);
      m.addEventListener('click', (ev) => { ev.stopPropagation(); this.video.pause(); this.seek(k.frame); });
      layer.append(m);
    }
    for (const s of this.view.shots || []) {
      if (s.start === 0) continue;
      const c = el('div', 'shot-mark');
      c.style.left = `${100 * s.start / this.frames}%`;
      layer.append(c);
    }
  }

  jumpKey(dir) {
    const ks = this.keys.map((k) => k.frame);
    const next = dir > 0 ? ks.find((f) => f > this.frame) : [...ks].reverse().find((f) => f < this.frame);
    if (next !== undefined) { this.video.pause(); this.seek(next); }
  }

  async result(res) {
    const li = el('li');
    const a = el('a', '', res.file);
    a.href = mediaUrl(res.file); a.target = '_blank'; a.dataset.format = res.format;
    li.append(el('span', 'fmt', res.format.toUpperCase()), a);
    $('rf-results').prepend(li);
  }

  bind() {
    const v = this.video;
    const tick = (now, meta) => {
      const f = Math.round(meta.mediaTime * this.rate[0] / this.rate[1]);
      if (f !== this.frame) { this.frame = f; this.draw(); }
      v.requestVideoFrameCallback(tick);
    };
    if ('requestVideoFrameCallback' in v) v.requestVideoFrameCallback(tick);
    v.addEventListener('seeked', () => { if (v.paused) { this.frame = secondsToFrame(v.currentTime, this.rate); this.draw(); } });
    v.addEventListener('play', () => { $('rf-play').textContent = '❚❚'; });
    v.addEventListener('pause', () => { $('rf-play').textContent = '▶'; });
    $('rf-play').addEventListener('click', () => { if (v.paused) v.play().catch(() => {}); else v.pause(); });
    $('rf-back').addEventListener('click', () => { v.pause(); this.seek(this.frame - 1); });
    $('rf-fwd').addEventListener('click', () => { v.pause(); this.seek(this.frame + 1); });
    $('rf-prev-key').addEventListener('click', () => this.jumpKey(-1));
    $('rf-next-key').addEventListener('click', () => this.jumpKey(1));
    $('rf-aspect').addEventListener('change', () => this.load());
    window.addEventListener('resize', () => this.draw());
    $('rf-plan').addEventListener('click', async () => {
      if (!this.rel) { this.toast('Open a clip first'); return; }
      try { await post('/api/reframe/plan', { path: this.rel, aspect: $('rf-aspect').value }); this.toast('Planning the reframe…'); }
      catch (e) { this.toast(e.message); }
    });
    document.querySelectorAll('[data-rf-format]').forEach((b) => b.addEventListener('click', async () => {
      if (!this.view || !this.view.planned) { this.toast('Plan the reframe first'); return; }
      try {
        const r = await post('/api/reframe/export', { path: this.rel, aspect: $('rf-aspect').value, format: b.dataset.rfFormat });
        if (r.state === 'done') this.result(r.result); else this.toast('Rendering… progress at the top right');
      } catch (e) { this.toast(e.message); }
    }));
    const win = $('rf-window');
    win.addEventListener('pointerdown', (ev) => {
      const key = this.keys.find((k) => k.frame === this.frame);
      if (!key) { this.toast('Go to a keyframe (◆) to move the window'); return; }
      v.pause();
      const [x, y] = this.view.windows[this.frame];
      this.drag = { x, y, sx: ev.clientX, sy: ev.clientY, x0: x, y0: y, key };
      win.setPointerCapture(ev.pointerId);
    });
    win.addEventListener('pointermove', (ev) => {
      if (!this.drag) return;
      const r = this.rect();
      const [sw, sh] = this.view.source_size;
      const [, , w, h] = this.view.windows[this.frame];
      this.drag.x = Math.max(0, Math.min(sw - w, this.drag.x0 + (ev.clientX - this.drag.sx) / r.k));
      this.drag.y = Math.max(0, Math.min(sh - h, this.drag.y0 + (ev.clientY - this.drag.sy) / r.k));
      this.draw();
    });
    win.addEventListener('pointerup', async () => {
      if (!this.drag) return;
      const d = this.drag;
      this.drag = null;
      if (Math.abs(d.x - d.x0) < 0.5 && Math.abs(d.y - d.y0) < 0.5) { this.draw(); return; }
      try {
        this.view = await post('/api/reframe/keyframe', { path: this.rel, aspect: $('rf-aspect').value, frame: d.key.frame,
          x: Math.round(d.x * 100) / 100, y: Math.round(d.y * 100) / 100 });
        await this.load();
      } catch (e) { this.toast(e.message); this.draw(); }
    });
    document.addEventListener('keydown', (ev) => {
      if (!$('view-reframe').classList.contains('active') || ev.target.closest('input, select, textarea')) return;
      if (ev.key === 'ArrowLeft') { v.pause(); this.seek(this.frame - (ev.shiftKey ? 30 : 1)); }
      else if (ev.key === 'ArrowRight') { v.pause(); this.seek(this.frame + (ev.shiftKey ? 30 : 1)); }
      else if (ev.key === ' ') { if (v.paused) v.play().catch(() => {}); else v.pause(); }
      else return;
      ev.preventDefault();
    });
  }
}
