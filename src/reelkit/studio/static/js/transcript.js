// The Descript-style transcript editor: words with speakers, fillers and long pauses; select and delete;
// remove all fillers/pauses; undo/redo. Every change asks the server for the kept frame ranges
// (the same library call as `reel cut`) and hands them to the player: the preview is immediate.
import { post } from './api.js';
import { clock } from './timecode.js';

const $ = (id) => document.getElementById(id);

export class TranscriptEditor {
  constructor(player, toast) {
    this.player = player;
    this.toast = toast;
    this.root = $('transcript');
    this.words = [];
    this.pauses = [];
    this.deleted = new Set();
    this.cutPauses = new Set();
    this.undo = [];
    this.redo = [];
    this.sel = null;           // {a, b} word index range, inclusive; pauses selected via selPause
    this.selPause = null;
    this.seq = 0;
    this.current = -1;
    this.onEdit = null;        // called with the server's answer (keep ranges, file)
    this.bind();
    player.onFrame((_f, t) => this.follow(t));
  }

  load(rel, transcript, edit) {
    this.rel = rel;
    this.words = transcript ? transcript.words : [];
    this.pauses = transcript ? transcript.pauses : [];
    this.deleted = new Set((edit && edit.deleted) || []);
    this.cutPauses = new Set((edit && edit.pauses) || []);
    this.undo = []; this.redo = [];
    this.sel = null; this.selPause = null;
    this.render();
    if (this.words.length) this.apply(false);
  }

  // -- rendering ---------------------------------------------------------------------------------------
  render() {
    const root = this.root;
    root.replaceChildren();
    this.spans = [];
    this.pauseEls = new Map();
    if (!this.words.length) {
      const p = document.createElement('p');
      p.className = 'muted';
      p.textContent = 'No transcript yet: analyse this clip in the Bin.';
      root.append(p);
      return;
    }
    const pauseAfter = new Map(this.pauses.map((p) => [p.after, p]));
    let para = null;
    let speaker;
    const frag = document.createDocumentFragment();
    const newPara = (w) => {
      para = document.createElement('p');
      para.className = 'para';
      const head = document.createElement('span');
      head.className = 'speaker';
      head.textContent = (w.speaker ? w.speaker + ' · ' : '') + clock(w.start);
      para.append(head);
      frag.append(para);
    };
    const addPause = (p) => {
      const el = document.createElement('span');
      el.className = 'pause';
      el.dataset.pause = String(p.after);
      el.textContent = `${(p.end - p.start).toFixed(1)}s`;
      el.title = `pause of ${(p.end - p.start).toFixed(2)} s`;
      this.pauseEls.set(p.after, el);
      return el;
    };
    if (pauseAfter.has(-1) && this.words.length) { newPara(this.words[0]); para.append(addPause(pauseAfter.get(-1)), ' '); }
    this.words.forEach((w, i) => {
      const longGap = i > 0 && pauseAfter.has(i - 1);
      if (!para || w.speaker !== speaker || (longGap && para.childElementCount > 24)) {
        if (!(i === 0 && para)) newPara(w);
        speaker = w.speaker;
      }
      const s = document.createElement('span');
      s.className = 'w' + (w.filler ? ' filler' : '');
      s.dataset.i = String(i);
      s.textContent = w.text;
      s.title = `${clock(w.start)} – ${clock(w.end)}${w.filler ? ' · filler' : ''} · confidence ${Math.round(100 * w.confidence)}%`;
      this.spans.push(s);
      para.append(s, ' ');
      if (pauseAfter.has(i)) para.append(addPause(pauseAfter.get(i)), ' ');
    });
    root.append(frag);
    this.paint();
  }

  // class updates only (cheap on a long transcript)
  paint() {
    const sel = this.sel;
    this.spans.forEach((s, i) => {
      s.classList.toggle('deleted', this.deleted.has(i));
      s.classList.toggle('sel', !!sel && i >= sel.a && i <= sel.b);
    });
    for (const [after, el] of this.pauseEls) {
      el.classList.toggle('deleted', this.cutPauses.has(after));
      el.classList.toggle('sel', this.selPause === after);
    }
    const nd = this.deleted.size;
    const nf = this.words.filter((w) => w.filler).length;
    $('tx-stats').textContent = `${this.words.length} words · ${nf} fillers · ${this.pauses.length} long pauses` +
      ` · ${nd} word(s) and ${this.cutPauses.size} pause(s) cut`;
  }

  follow(t) {
    if (!this.spans || !this.spans.length) return;
    let lo = 0, hi = this.words.length - 1, k = -1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (this.words[m].start <= t) { k = m; lo = m + 1; } else hi = m - 1;
    }
    if (k >= 0 && t > this.words[k].end + 0.3) k = -1;
    if (k === this.current) return;
    if (this.current >= 0 && this.spans[this.current]) this.spans[this.current].classList.remove('now');
    this.current = k;
    if (k >= 0) {
      const s = this.spans[k];
      s.classList.add('now');
      if (!this.player.video.paused) s.scrollIntoView({ block: 'nearest' });
    }
  }

  // -- editing -----------------------------------------------------------------------------------------
  snapshot() { return { d: [...this.deleted], p: [...this.cutPauses] }; }

  change(mutate) {
    const before = this.snapshot();
    mutate();
    const after = this.snapshot();
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    this.undo.push(before);
    this.redo = [];
    this.apply(true);
  }

  restoreState(s) { this.deleted = new Set(s.d); this.cutPauses = new Set(s.p); this.apply(true); }

  doUndo() { if (this.undo.length) { this.redo.push(this.snapshot()); this.restoreState(this.undo.pop()); } }
  doRedo() { if (this.redo.length) { this.undo.push(this.snapshot()); this.restoreState(this.redo.pop()); } }

  deleteSelection(restore = false) {
    if (this.selPause !== null) {
      const k = this.selPause;
      this.change(() => { if (restore) this.cutPauses.delete(k); else this.cutPauses.add(k); });
      return;
    }
    if (!this.sel) { this.toast('Select words first (click, shift-click or drag)'); return; }
    const { a, b } = this.sel;
    const all = [...Array(b - a + 1).keys()].every((j) => this.deleted.has(a + j));
    const undelete = restore || all;  // deleting an all-deleted selection restores it
    this.change(() => {
      for (let i = a; i <= b; i++) { if (undelete) this.deleted.delete(i); else this.deleted.add(i); }
      for (let i = a - 1; i <= b; i++) { if (undelete) this.cutPauses.delete(i); }
    });
  }

  removeFillers() {
    const n = this.words.filter((w, i) => w.filler && !this.deleted.has(i)).length;
    if (!n) { this.toast('No filler words left'); return; }
    this.change(() => this.words.forEach((w, i) => { if (w.filler) this.deleted.add(i); }));
    this.toast(`${n} filler word(s) removed`);
  }

  removePauses() {
    if (!this.pauses.length) { this.toast('No long pauses'); return; }
    this.change(() => this.pauses.forEach((p) => this.cutPauses.add(p.after)));
    this.toast(`${this.pauses.length} pause(s) shortened`);
  }

  // send the edit; the latest answer wins. Resolves when the preview is updated.
  async apply(save) {
    const seq = ++this.seq;
    this.paint();
    const t0 = performance.now();
    try {
      const r = await post('/api/edit', {
        path: this.rel, save, edit: { deleted: [...this.deleted], pauses: [...this.cutPauses] },
      });
      if (seq !== this.seq) return;
      this.player.setKeep(r.keep.length === 1 && r.keep[0][0] === 0 && r.keep[0][1] === r.total_frames ? null : r.keep);
      this.lastKeep = r;
      this.lastPreviewMs = performance.now() - t0;
      document.body.dataset.editSeq = String(seq);
      if (this.onEdit) this.onEdit(r);
    } catch (e) {
      if (seq === this.seq) this.toast(e.message);
    }
  }

  bind() {
    let anchor = null;
    let dragging = false;
    const idx = (ev) => { const w = ev.target.closest('.w'); return w ? Number(w.dataset.i) : null; };
    this.root.addEventListener('mousedown', (ev) => {
      const p = ev.target.closest('.pause');
      if (p) { this.sel = null; this.selPause = Number(p.dataset.pause); this.paint(); return; }
      const i = idx(ev);
      if (i === null) return;
      ev.preventDefault();
      this.root.focus();
      this.selPause = null;
      if (ev.shiftKey && anchor !== null) this.sel = { a: Math.min(anchor, i), b: Math.max(anchor, i) };
      else { anchor = i; this.sel = { a: i, b: i }; }
      dragging = true;
      this.player.video.pause();
      this.player.seekFrame(Math.floor(this.words[i].start * this.player.rate[0] / this.player.rate[1]));
      this.paint();
    });
    this.root.addEventListener('mouseover', (ev) => {
      if (!dragging) return;
      const i = idx(ev);
      if (i !== null && anchor !== null) { this.sel = { a: Math.min(anchor, i), b: Math.max(anchor, i) }; this.paint(); }
    });
    document.addEventListener('mouseup', () => { dragging = false; });
    document.addEventListener('keydown', (ev) => {
      if (!document.getElementById('view-edit').classList.contains('active')) return;
      if (ev.target.closest('input, textarea, select')) return;
      const mod = ev.ctrlKey || ev.metaKey;
      if (mod && (ev.key === 'z' || ev.key === 'Z')) { ev.preventDefault(); if (ev.shiftKey) this.doRedo(); else this.doUndo(); }
      else if (mod && (ev.key === 'y' || ev.key === 'Y')) { ev.preventDefault(); this.doRedo(); }
      else if (ev.key === 'Delete' || ev.key === 'Backspace') { ev.preventDefault(); this.deleteSelection(); }
      else if (ev.key === 'Escape') { this.sel = null; this.selPause = null; this.paint(); }
    });
    $('tx-delete').addEventListener('click', () => this.deleteSelection());
    $('tx-restore').addEventListener('click', () => this.deleteSelection(true));
    $('tx-fillers').addEventListener('click', () => this.removeFillers());
    $('tx-pauses').addEventListener('click', () => this.removePauses());
    $('tx-undo').addEventListener('click', () => this.doUndo());
    $('tx-redo').addEventListener('click', () => this.doRedo());
  }
}
