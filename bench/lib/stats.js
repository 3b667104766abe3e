// Order statistics and the number formats the report uses.

/** Quantile q in [0, 1] with linear interpolation between order statistics; NaN if empty. */
export function quantile(values, q) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lowValue = sorted[low];
  return lowValue + (sorted[high] - lowValue) * (position - low);
}

export function summarize(values) {
  const finite = values.filter(Number.isFinite);
  return {
    n: finite.length,
    median: quantile(finite, 0.5),
    p10: quantile(finite, 0.1),
    p90: quantile(finite, 0.9),
    min: finite.length === 0 ? NaN : Math.min(...finite),
    max: finite.length === 0 ? NaN : Math.max(...finite),
  };
}

/** Pairwise differences a[i] − b[i] (same round), skipping rounds where either is missing. */
export function paired(a, b) {
  const out = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (Number.isFinite(a[i]) && Number.isFinite(b[i])) out.push(a[i] - b[i]);
  }
  return out;
}

export function fmt(value, digits = 1) {
  if (!Number.isFinite(value)) return '–';
  return value.toFixed(Math.abs(value) >= 100 ? 0 : digits);
}

/** "12.3 (10.1–15.2)": median and the p10–p90 spread. */
export function medianSpread(values, digits = 1) {
  const s = summarize(values);
  if (s.n === 0) return '–';
  if (s.n < 5) return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
  return `${fmt(s.median, digits)} (${fmt(s.p10, digits)}–${fmt(s.p90, digits)})`;
}

/** "3.2×" — how many times `value` is `reference` ('–' unless both are finite, value ≥ 0 < reference). */
export function ratio(value, reference) {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference <= 0 || value < 0) return '–';
  return `${(value / reference).toFixed(value / reference >= 10 ? 0 : 1)}×`;
}

export const held = (ok) => (ok ? '**held**' : '**not held**');
