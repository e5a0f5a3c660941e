// Grade view: before/after split of the auto grade (reel grade auto) or a match to another clip
// (reel grade match), a strength slider and LUT export. Frames are graded on the server.
import { get, post, mediaUrl } from './api.js';
import { parseRate, timecode } from './timecode.js';
import { $, el } from './dom.js';


export class GradeView {
  constructor(toast) {
    this.toast = toast;
    this.rel = null;
    this.timer = null;
    this.bind();
  }

  // called when the Grade tab opens: the clip open in the editor, at the player's frame
  async show(rel, probe, frame, media) {
    const has = !!(rel && probe && probe.video);
    $('grade-empty').hidden = has;
    if (!has) return;
    const changed = rel !== this.rel;
    this.rel = rel;
    this.rate = parseRate(probe.rate);
    $('grade-clip').textContent = `· ${rel}`;
    const fr = $('grade-frame');
    fr.max = String(Math.max(0, (probe.frames || 1) - 1));
    if (changed || frame !== undefined) fr.value = String(frame || 0);
    const sel = $('grade-ref');
    const keep = sel.value;
    sel.replaceChildren(el('option', '', 'Auto balance (white balance + exposure)'));
    sel.firstChild.value = '';
    for (const m of media) {
      if (m.path === rel || !m.probe || !m.probe.video) continue;
      const o = el('option', '', `Match to ${m.path}`);
      o.value = m.path;
      sel.append(o);
    }
    sel.value = changed ? '' : keep;
    await this.refresh(true);
  }

  params(graded) {
    const p = { path: this.rel, frame: $('grade-frame').value, strength: String($('grade-strength').value / 100),
      graded: graded ? '1' : '0' };
    if ($('grade-ref').value) p.ref = $('grade-ref').value;
    return p;
  }

  async refresh(all) {
    if (!this.rel) return;
    $('grade-frame-tc').textContent = timecode(Number($('grade-frame').value), this.rate);
    $('grade-strength-out').textContent = `${$('grade-strength').value} %`;
    const q = (g) => '/api/grade/frame?' + new URLSearchParams(this.params(g));
    const after = $('grade-after');
    const loaded = new Promise((res) => { after.onload = res; after.onerror = res; });
    after.src = q(true);
    if (all) {
      $('grade-before').src = q(false);
      try {
        const info = await get('/api/grade', $('grade-ref').value ? { path: this.rel, ref: $('grade-ref').value } : { path: this.rel });
        this.info(info);
      } catch (e) { this.toast(e.message); }
    }
    await loaded;
    document.body.dataset.gradeSeq = String(Number(document.body.dataset.gradeSeq || 0) + 1);
  }

  info(d) {
    const dl = $('grade-info');
    dl.replaceChildren();
    const row = (k, v) => { dl.append(el('dt', '', k), el('dd', '', v)); };
    if (d.kind === 'auto') {
      row('white gains (R G B)', d.white_gains.map((g) => g.toFixed(3)).join('  '));
      row('exposure', `${d.exposure_stops >= 0 ? '+' : ''}${d.exposure_stops.toFixed(2)} stops`);
    } else {
      row('method', d.method);
      row('mean ΔE00 to reference', `${d.mean_delta_e_before} → ${d.mean_delta_e_after} (at full strength)`);
    }
    for (const n of d.notes || []) row('note', n);
  }

  bind() {
    const later = (all) => { clearTimeout(this.timer); this.timer = setTimeout(() => this.refresh(all), 120); };
    $('grade-strength').addEventListener('input', () => later(false));
    $('grade-frame').addEventListener('input', () => later(true));
    $('grade-ref').addEventListener('change', () => this.refresh(true));
    const split = $('grade-split');
    const move = (ev) => {
      const r = split.getBoundingClientRect();
      const x = Math.max(0, Math.min(1, (ev.clientX - r.left) / r.width));
      split.style.setProperty('--split', `${100 * x}%`);
    };
    let drag = false;
    split.addEventListener('pointerdown', (ev) => { drag = true; split.setPointerCapture(ev.pointerId); move(ev); });
    split.addEventListener('pointermove', (ev) => { if (drag) move(ev); });
    split.addEventListener('pointerup', () => { drag = false; });
    $('grade-lut').addEventListener('click', async () => {
      if (!this.rel) { this.toast('Open a clip first'); return; }
      try {
        const r = await post('/api/grade/lut', { path: this.rel, strength: $('grade-strength').value / 100,
          ref: $('grade-ref').value || null });
        const li = el('li');
        const a = el('a', '', r.file);
        a.href = mediaUrl(r.file); a.target = '_blank'; a.dataset.format = 'cube';
        li.append(el('span', 'fmt', 'CUBE'), a, el('span', 'muted', ` max error ${r.max_error}/255`));
        $('grade-results').prepend(li);
      } catch (e) { this.toast(e.message); }
    });
  }
}
