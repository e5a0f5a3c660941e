// The player: frame-accurate seeking, J/K/L, shot markers, filmstrip, and edit preview — the source
// played through the edit list (kept frame ranges from the server), no render.
import { playUrl, thumbUrl } from './api.js';
import { frameMid, frameStart, parseRate, secondsToFrame, timecode, clock } from './timecode.js';

const $ = (id) => document.getElementById(id);

export class Player {
  constructor() {
    this.video = $('video');
    this.rate = [30, 1];
    this.frames = 0;
    this.keep = null;          // [[start, end), ...] source frames, or null = no edit
    this.preview = true;
    this.listeners = [];
    this.reverse = null;       // J: timer stepping backwards
    this.frame = 0;
    this.bind();
  }

  onFrame(fn) { this.listeners.push(fn); }

  load(rel, probe, shots) {
    this.rel = rel;
    this.rate = parseRate(probe.rate || (probe.video && probe.video.rate));
    this.frames = probe.frames || Math.round((probe.duration_s || 0) * this.rate[0] / this.rate[1]);
    this.shots = shots;
    this.keep = null;
    this.video.src = playUrl(rel);
    $('video-empty').hidden = true;
    $('clip-name').textContent = rel;
    $('clip-name').classList.remove('muted');
    this.renderShots();
    this.renderCuts();
    this.showFrame(0);
  }

  // -- edit preview ------------------------------------------------------------------------------------
  setKeep(keep) {
    this.keep = keep && keep.length ? keep : null;
    this.renderCuts();
    const kept = this.keep ? this.keep.reduce((a, [s, e]) => a + e - s, 0) : this.frames;
    $('edit-duration').textContent = this.keep
      ? `edit ${clock(frameStart(kept, this.rate))} of ${clock(frameStart(this.frames, this.rate))}` : '';
  }

  // the kept range holding frame f, or the next one; null after the last
  nextKept(f) {
    for (const [s, e] of this.keep) { if (f < e) return f >= s ? null : s; }
    return -1;
  }

  // called on every presented frame while playing: when the NEXT frame is cut, jump now, so that no
  // removed frame is shown (the seek lands while the last kept frame is still on screen)
  enforceEdit(shown) {
    if (!this.preview || !this.keep || this.video.paused) return;
    const f = (shown ?? secondsToFrame(this.video.currentTime, this.rate)) + 1;
    const jump = this.nextKept(f);
    if (jump === -1) { this.video.pause(); return; }
    if (jump !== null) this.video.currentTime = frameStart(jump, this.rate) + 1e-4;
  }

  // -- transport ---------------------------------------------------------------------------------------
  seekFrame(f) {
    f = Math.max(0, Math.min(this.frames - 1, Math.round(f)));
    this.video.currentTime = frameMid(f, this.rate);
    this.showFrame(f);
  }

  step(n) { this.stopReverse(); this.video.pause(); this.seekFrame(this.frame + n); }

  togglePlay() {
    this.stopReverse();
    if (this.video.paused) this.play(1); else this.video.pause();
  }

  play(speed) {
    this.stopReverse();
    if (this.preview && this.keep) {
      const f = secondsToFrame(this.video.currentTime, this.rate);
      const jump = this.nextKept(f);
      if (jump === -1) this.seekFrame(this.keep[0][0]);
      else if (jump !== null) this.seekFrame(jump);
    }
    this.video.playbackRate = speed;
    this.video.play().catch(() => {});
  }

  // J: play backwards by stepping frames (browsers do not play video in reverse)
  playReverse() {
    this.video.pause();
    const speed = this.reverse ? Math.min(this.reverse.speed * 2, 8) : 1;
    this.stopReverse();
    const interval = 1000 * this.rate[1] / this.rate[0] / speed;
    const timer = setInterval(() => {
      if (this.frame <= 0) { this.stopReverse(); return; }
      this.seekFrame(this.frame - 1);
    }, interval);
    this.reverse = { timer, speed };
  }

  stopReverse() { if (this.reverse) { clearInterval(this.reverse.timer); this.reverse = null; } }

  forward() {  // L: play, or faster when already playing forward
    if (!this.video.paused) { this.video.playbackRate = Math.min(this.video.playbackRate * 2, 8); return; }
    this.play(1);
  }

  showFrame(f) {
    this.frame = f;
    $('timecode').textContent = timecode(f, this.rate);
    $('frame-no').textContent = `frame ${f}`;
    const pct = this.frames ? (100 * f / this.frames) : 0;
    $('playhead').style.left = `${pct}%`;
    for (const fn of this.listeners) fn(f, frameStart(f, this.rate));
  }

  bind() {
    const v = this.video;
    const tick = (now, meta) => {
      const t = meta ? meta.mediaTime : v.currentTime;
      const f = Math.min(this.frames - 1, Math.max(0, Math.round(t * this.rate[0] / this.rate[1] - (meta ? 0 : 0.5))));
      // a frame presented while a seek is pending is an earlier seek's: it must not move the playhead back
      // (stepping frame by frame faster than the decoder would otherwise lose steps)
      if (!v.seeking && f !== this.frame) this.showFrame(f);
      this.enforceEdit(f);
      if ('requestVideoFrameCallback' in v) v.requestVideoFrameCallback(tick);
    };
    if ('requestVideoFrameCallback' in v) v.requestVideoFrameCallback(tick);
    v.addEventListener('timeupdate', () => { if (!('requestVideoFrameCallback' in v)) tick(); this.enforceEdit(); });
    v.addEventListener('play', () => { $('btn-play').textContent = '❚❚'; });
    v.addEventListener('pause', () => { $('btn-play').textContent = '▶'; });
    v.addEventListener('seeked', () => {
      if (v.paused) this.showFrame(secondsToFrame(v.currentTime, this.rate));
    });
    $('btn-play').addEventListener('click', () => this.togglePlay());
    $('btn-back').addEventListener('click', () => this.step(-1));
    $('btn-fwd').addEventListener('click', () => this.step(1));
    $('preview-edit').addEventListener('change', (e) => { this.preview = e.target.checked; });
    const scrub = $('scrub');
    const at = (ev) => {
      const r = scrub.getBoundingClientRect();
      return Math.floor(Math.max(0, Math.min(1, (ev.clientX - r.left) / r.width)) * this.frames);
    };
    let dragging = false;
    scrub.addEventListener('pointerdown', (ev) => {
      dragging = true; scrub.setPointerCapture(ev.pointerId); this.video.pause(); this.seekFrame(at(ev));
    });
    scrub.addEventListener('pointermove', (ev) => { if (dragging) this.seekFrame(at(ev)); });
    scrub.addEventListener('pointerup', () => { dragging = false; });
    document.addEventListener('keydown', (ev) => this.key(ev));
  }

  key(ev) {
    if (!this.rel || ev.target.closest('input, textarea, select')) return false;
    if (!document.getElementById('view-edit').classList.contains('active')) return false;
    const k = ev.key;
    if (k === 'ArrowLeft') this.step(ev.shiftKey ? -Math.round(this.rate[0] / this.rate[1]) : -1);
    else if (k === 'ArrowRight') this.step(ev.shiftKey ? Math.round(this.rate[0] / this.rate[1]) : 1);
    else if (k === ' ' || k === 'k' || k === 'K') { if (k === ' ') this.togglePlay(); else { this.stopReverse(); this.video.pause(); } }
    else if (k === 'j' || k === 'J') this.playReverse();
    else if (k === 'l' || k === 'L') this.forward();
    else return false;
    ev.preventDefault();
    return true;
  }

  // -- markers -----------------------------------------------------------------------------------------
  renderShots() {
    const layer = $('scrub-shots');
    const strip = $('filmstrip');
    layer.replaceChildren();
    strip.replaceChildren();
    const shots = (this.shots && this.shots.shots) || [];
    for (const s of shots) {
      if (s.start > 0) {
        const m = document.createElement('div');
        m.className = 'shot-mark';
        m.style.left = `${100 * s.start / this.frames}%`;
        m.title = `shot ${s.index + 1} starts at ${timecode(s.start, this.rate)}`;
        layer.append(m);
      }
      const card = document.createElement('button');
      card.className = 'shot';
      card.style.flexGrow = String(Math.max(1, s.frames));
      card.title = `shot ${s.index + 1}: ${timecode(s.start, this.rate)}–${timecode(s.end, this.rate)}` +
        (s.camera ? ` · ${s.camera.movement}` : '') + (s.shot_size ? ` · ${s.shot_size}` : '');
      if (s.thumbnail) {
        const img = document.createElement('img');
        img.src = thumbUrl(this.rel, s.thumbnail); img.alt = `shot ${s.index + 1}`; img.loading = 'lazy';
        card.append(img);
      }
      const lab = document.createElement('span');
      lab.textContent = `${s.index + 1} · ${clock(s.start_s ?? frameStart(s.start, this.rate))}` +
        (s.camera && s.camera.movement && s.camera.movement !== 'static' ? ` · ${s.camera.movement.replace('_', ' ')}` : '');
      card.append(lab);
      card.addEventListener('click', () => { this.video.pause(); this.seekFrame(s.start); });
      strip.append(card);
    }
  }

  renderCuts() {
    const layer = $('scrub-cuts');
    layer.replaceChildren();
    if (!this.keep || !this.frames) return;
    let pos = 0;
    const add = (s, e) => {
      const d = document.createElement('div');
      d.className = 'cut-span';
      d.style.left = `${100 * s / this.frames}%`;
      d.style.width = `${100 * (e - s) / this.frames}%`;
      layer.append(d);
    };
    for (const [s, e] of this.keep) { if (s > pos) add(pos, s); pos = e; }
    if (pos < this.frames) add(pos, this.frames);
  }
}
