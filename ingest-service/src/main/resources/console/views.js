// Small DOM and formatting helpers. Elements are built with properties and text nodes only:
// no innerHTML (nothing from the API is ever parsed as markup) and no style attributes (CSP).

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'value') el.value = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function pct(value) {
  return value === null || value === undefined ? '–' : (value * 100).toFixed(1) + ' %';
}

export function num(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return Number(value).toLocaleString(undefined, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function pValue(value) {
  if (value === null || value === undefined) return '–';
  return value < 0.0001 ? '< 0.0001' : value.toFixed(4);
}

export function time(millis) {
  return millis ? new Date(millis).toLocaleString() : '–';
}

export function duration(millis) {
  if (millis === null || millis === undefined || millis < 0) return '–';
  const s = Math.round(millis / 1000);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

export function ago(millis, now = Date.now()) {
  return millis ? duration(now - millis) + ' ago' : '–';
}

/** A number as the gate checks show it: a share as a percentage, others plainly. */
export function checkValue(name, value) {
  if (value === null || value === undefined) return '–';
  if (/latency/.test(name)) return value.toFixed(1) + ' ms';
  if (/size/.test(name)) return num(value) + ' B';
  if (/significance|p_value/.test(name)) return pValue(value);
  if (Math.abs(value) <= 1) return (value * 100).toFixed(1) + ' %';
  return num(value, 2);
}

export function sha256Hex(buffer) {
  return crypto.subtle
    .digest('SHA-256', buffer)
    .then((digest) =>
      Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join(''),
    );
}
