// WCAG 2 contrast of every visible piece of text on the page against the
// background it is drawn on; returns those under AA (4.5:1, or 3:1 for large text).
const canvas = document.createElement('canvas');
canvas.width = canvas.height = 1;
const context = canvas.getContext('2d', { willReadFrequently: true });
// Any CSS colour (Tailwind 4 writes oklch) to sRGB through the canvas.
const srgb = (css) => {
  context.clearRect(0, 0, 1, 1);
  context.fillStyle = '#000';
  context.fillStyle = css;
  context.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = context.getImageData(0, 0, 1, 1).data;
  return { r, g, b, a: a / 255 };
};
const over = (top, below) => ({
  r: top.r * top.a + below.r * (1 - top.a),
  g: top.g * top.a + below.g * (1 - top.a),
  b: top.b * top.a + below.b * (1 - top.a),
  a: 1,
});
const background = (element) => {
  const layers = [];
  for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
    const colour = srgb(getComputedStyle(node).backgroundColor);
    if (colour.a > 0) layers.push(colour);
    if (colour.a >= 1) break;
  }
  let result = { r: 255, g: 255, b: 255, a: 1 };
  for (const layer of layers.reverse()) result = over(layer, result);
  return result;
};
const luminance = ({ r, g, b }) => {
  const channel = (v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
};
const failures = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const seen = new Set();
while (walker.nextNode()) {
  const text = walker.currentNode;
  const element = text.parentElement;
  if (!element || seen.has(element) || !text.textContent.trim()) continue;
  seen.add(element);
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  // Hidden, or shown only to screen readers (sr-only is a 1 px clipped box).
  if (style.visibility !== 'visible' || box.width <= 1 || box.height <= 1) continue;
  // Inactive controls are exempt in WCAG.
  if (element.closest('[hidden], [aria-hidden="true"], option, script, style, noscript, :disabled')) continue;
  const inSvg = element instanceof SVGElement;
  const below = background(inSvg ? element.ownerSVGElement.parentElement : element);
  const fore = over(srgb(inSvg ? style.fill : style.color), below);
  const [light, dark] = [luminance(fore), luminance(below)].sort((a, b) => b - a);
  const ratio = (light + 0.05) / (dark + 0.05);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) {
    failures.push(`${ratio.toFixed(2)}:1 "${text.textContent.trim().slice(0, 40)}" (${element.tagName.toLowerCase()}.${String(element.className.baseVal ?? element.className).split(' ').slice(0, 4).join('.')})`);
  }
}
return failures;
