// Script view: a screenplay's breakdown (reel script breakdown), shot list (reel script shotlist) and
// storyboard panels (reel script board), rendered on the server; this file only lays them out.
import { get, post } from './api.js';
import { $, el } from './dom.js';

const CATEGORIES = ['extras', 'props', 'wardrobe', 'vehicles', 'animals', 'sfx', 'sound', 'makeup', 'other'];
const panelUrl = (rel, name) => '/api/panel?' + new URLSearchParams({ path: rel, name });

export class ScriptView {
  constructor(toast) { this.toast = toast; this.open = null; }

  async list() {
    try {
      const r = await get('/api/scripts');
      const box = $('script-list');
      box.replaceChildren();
      if (!r.scripts.length) box.append(el('p', 'muted', 'No screenplays in this folder.'));
      for (const s of r.scripts) {
        const b = el('button', 'script-item', s.path);
        b.dataset.path = s.path;
        b.addEventListener('click', () => this.load(s.path));
        box.append(b);
      }
      if (r.scripts.length && !this.open) this.load(r.scripts[0].path);
    } catch (e) { this.toast(e.message); }
  }

  async load(rel) {
    try {
      const d = await get('/api/script', { path: rel });
      this.open = rel;
      this.data = d;
      document.querySelectorAll('.script-item').forEach((b) => b.classList.toggle('active', b.dataset.path === rel));
      this.render();
    } catch (e) { this.toast(e.message); }
  }

  async board(scenes) {
    try { await post('/api/storyboard', { path: this.open, scenes }); this.toast('Drawing the storyboard…'); }
    catch (e) { this.toast(e.message); }
  }

  onJob(j) {
    if (j.kind === 'storyboard' && j.media === this.open && j.state === 'done') this.load(this.open);
    if (j.kind === 'storyboard' && j.state === 'failed') this.toast(`storyboard failed: ${j.error}`);
  }

  render() {
    const d = this.data;
    const b = d.breakdown;
    const body = $('script-body');
    body.replaceChildren();
    const head = el('div', 'script-head');
    head.append(el('h2', '', b.title || d.path));
    const sl = d.shotlist;
    head.append(el('span', 'muted', `${b.scenes.length} scenes · ${b.length} pages · ${sl.shot_count} setups · ` +
      `${sl.panel_count} panels · planned cut ${Math.round(sl.duration_s)} s` +
      (sl.line_crossings ? ` · ${sl.line_crossings} cut(s) cross the 180° line` : '')));
    const all = el('button', '', 'Storyboard every scene');
    all.addEventListener('click', () => this.board(null));
    head.append(all);
    body.append(head);
    for (const w of d.warnings || []) body.append(el('p', 'warn', w));
    const panels = new Map();
    for (const p of d.panels || []) {
      if (!panels.has(p.scene)) panels.set(p.scene, []);
      panels.get(p.scene).push(p);
    }
    const cov = new Map(sl.scenes.map((s) => [s.number, s]));
    for (const sc of b.scenes) {
      const card = el('article', 'scene');
      card.dataset.scene = sc.number;
      const h = el('div', 'scene-head');
      h.append(el('span', 'scene-no', sc.number), el('strong', '', sc.heading),
        el('span', 'muted', `${sc.pages} pg · p. ${sc.start_page}`));
      const btn = el('button', 'ghost', panels.has(sc.number) ? 'Redraw panels' : 'Draw panels');
      btn.addEventListener('click', () => this.board(sc.number));
      h.append(btn);
      card.append(h);
      const meta = el('div', 'scene-meta');
      const cast = [...sc.cast.speaking, ...sc.cast.non_speaking.map((c) => c + ' (silent)')];
      if (cast.length) meta.append(el('span', 'chip cast', 'cast: ' + cast.join(', ')));
      for (const c of CATEGORIES) for (const item of sc[c] || []) meta.append(el('span', `chip cat-${c}`, `${c}: ${item}`));
      card.append(meta);
      const c = cov.get(sc.number);
      if (c) {
        const t = el('table', 'shots-table');
        const tr = el('tr');
        for (const k of ['shot', 'size', 'angle', 'move', 'lens', 'subjects', 'time', 'description']) tr.append(el('th', '', k));
        t.append(tr);
        for (const s of c.shots) {
          const r = el('tr');
          for (const v of [s.code, s.size, s.angle.replace('_', ' '), s.movement.replace('_', ' '),
            `${s.lens.focal_mm} mm f/${s.lens.f_number}`, s.subjects.join(', '), `${s.duration_s.toFixed(1)} s`, s.description]) {
            r.append(el('td', '', v));
          }
          t.append(r);
        }
        card.append(t);
      }
      const strip = el('div', 'panels');
      for (const p of panels.get(sc.number) || []) {
        const f = el('figure', 'panel');
        const img = el('img');
        img.src = panelUrl(this.open, p.name); img.alt = `${p.shot} ${p.kind}`; img.loading = 'lazy';
        f.append(img, el('figcaption', '', `${p.beat}. ${p.shot} · ${p.kind} · ${p.duration_s} s`));
        strip.append(f);
      }
      if (strip.childElementCount) card.append(strip);
      body.append(card);
    }
  }
}
