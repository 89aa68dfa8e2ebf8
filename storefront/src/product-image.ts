/**
 * A product's picture, drawn here rather than fetched: an SVG made only from the product id and its category
 * id, so the same product always looks the same, products of one category share a motif, and the storefront
 * never loads an image from outside.
 */

/** FNV-1a, 32 bits: a small, stable hash (the same on every platform and Node version). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A small deterministic generator seeded from a hash (mulberry32). */
function numbers(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ids as the URL carries them: letters, digits and dashes, at most 64 characters. */
export const IMAGE_ID = /^[A-Za-z0-9-]{1,64}$/;

const MOTIFS = [
  "circles",
  "bars",
  "triangles",
  "rings",
  "diamonds",
  "squares",
  "stripes",
  "crosses",
] as const;

/** The motif of a category (all of its products share it). */
export function motifOf(categoryId: string): (typeof MOTIFS)[number] {
  return MOTIFS[hash32(categoryId) % MOTIFS.length] ?? "circles";
}

/** The SVG document of a product's image (400×400). Throws on ids that do not match IMAGE_ID. */
export function productSvg(productId: string, categoryId: string): string {
  if (!IMAGE_ID.test(productId) || !IMAGE_ID.test(categoryId)) throw new RangeError("bad image id");
  const categoryHue = hash32(categoryId) % 360;
  const random = numbers(hash32(`${categoryId}/${productId}`));
  // The category sets the colour family; the product shifts it a little and picks the shapes.
  const hue = (categoryHue + Math.floor(random() * 60) - 30 + 360) % 360;
  const accent = (hue + 150 + Math.floor(random() * 60)) % 360;
  const motif = motifOf(categoryId);
  const shapes: string[] = [];
  const count = 3 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const x = Math.round(60 + random() * 280);
    const y = Math.round(60 + random() * 280);
    const size = Math.round(30 + random() * 90);
    const fill = `hsl(${i % 2 === 0 ? accent : hue} 70% ${40 + Math.round(random() * 30)}%)`;
    const opacity = (0.55 + random() * 0.4).toFixed(2);
    shapes.push(shape(motif, x, y, size, fill, opacity));
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400" role="img">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="hsl(${hue} 55% 92%)"/><stop offset="1" stop-color="hsl(${hue} 45% 78%)"/>` +
    `</linearGradient></defs>` +
    `<rect width="400" height="400" fill="url(#g)"/>${shapes.join("")}</svg>`
  );
}

function shape(
  motif: (typeof MOTIFS)[number],
  x: number,
  y: number,
  size: number,
  fill: string,
  opacity: string,
): string {
  const half = Math.round(size / 2);
  switch (motif) {
    case "circles":
      return `<circle cx="${x}" cy="${y}" r="${half}" fill="${fill}" fill-opacity="${opacity}"/>`;
    case "bars":
      return `<rect x="${x - half}" y="${y - size}" width="${Math.round(size / 3)}" height="${size * 2}" rx="8" fill="${fill}" fill-opacity="${opacity}"/>`;
    case "triangles":
      return `<polygon points="${x},${y - half} ${x + half},${y + half} ${x - half},${y + half}" fill="${fill}" fill-opacity="${opacity}"/>`;
    case "rings":
      return `<circle cx="${x}" cy="${y}" r="${half}" fill="none" stroke="${fill}" stroke-width="${Math.max(6, Math.round(size / 6))}" stroke-opacity="${opacity}"/>`;
    case "squares":
      return `<rect x="${x - half}" y="${y - half}" width="${size}" height="${size}" rx="${Math.round(size / 8)}" transform="rotate(${(x + y) % 45} ${x} ${y})" fill="${fill}" fill-opacity="${opacity}"/>`;
    case "stripes":
      return `<line x1="${x - size}" y1="${y + size}" x2="${x + size}" y2="${y - size}" stroke="${fill}" stroke-width="${Math.max(8, Math.round(size / 5))}" stroke-linecap="round" stroke-opacity="${opacity}"/>`;
    case "crosses": {
      const w = Math.max(8, Math.round(size / 4));
      return `<path d="M${x - half} ${y}H${x + half}M${x} ${y - half}V${y + half}" stroke="${fill}" stroke-width="${w}" stroke-linecap="round" stroke-opacity="${opacity}"/>`;
    }
    case "diamonds":
      return `<polygon points="${x},${y - half} ${x + half},${y} ${x},${y + half} ${x - half},${y}" fill="${fill}" fill-opacity="${opacity}"/>`;
  }
}
