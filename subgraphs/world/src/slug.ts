/** Lowercase ASCII words joined by hyphens: "Home & Kitchen" → "home-kitchen", "Chef's Knives" → "chefs-knives". */
export function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
