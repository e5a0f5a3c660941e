// Frame-exact time for display: rates as [num, den]; the same rules as reelkit.time.frame_to_timecode.

export function parseRate(s) {
  if (!s) return [30, 1];
  const [n, d] = String(s).split('/').map(Number);
  return [n, d || 1];
}

export const fps = (rate) => rate[0] / rate[1];
export const nominal = (rate) => Math.round(rate[0] / rate[1]);
export const isDrop = (rate) => rate[1] === 1001 && (rate[0] === 30000 || rate[0] === 60000);

// frame → seconds (the middle of the frame, so a seek lands inside it whatever the rounding)
export const frameMid = (frame, rate) => (frame + 0.5) * rate[1] / rate[0];
export const frameStart = (frame, rate) => frame * rate[1] / rate[0];
export const secondsToFrame = (t, rate) => Math.floor(t * rate[0] / rate[1] + 1e-6);

export function timecode(frame, rate) {
  const f = nominal(rate);
  const df = isDrop(rate);
  let n = Math.max(0, frame);
  if (df) {
    const drop = f / 15;
    const per10 = f * 600 - drop * 9;
    const perMin = f * 60 - drop;
    const tens = Math.floor(n / per10);
    const rem = n % per10;
    n += drop * 9 * tens;
    if (rem > drop) n += drop * Math.floor((rem - drop) / perMin);
  }
  const ff = n % f;
  const s = Math.floor(n / f);
  const p = (v) => String(v).padStart(2, '0');
  return `${p(Math.floor(s / 3600) % 24)}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}${df ? ';' : ':'}${p(ff)}`;
}

export function clock(seconds) {
  if (seconds == null || !isFinite(seconds)) return '–';
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}
