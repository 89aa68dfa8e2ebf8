/** What the shop remembers in the browser: the cart, the delivery postal code and who is signed in. */

export interface CartLine {
  readonly productId: string;
  readonly quantity: number;
}

const CART = "aisle.cart";
const ZIP = "aisle.zip";
const USER = "aisle.user";

function read<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function cart(): CartLine[] {
  return read<CartLine[]>(CART, []);
}

export function setCart(lines: readonly CartLine[]): void {
  localStorage.setItem(CART, JSON.stringify(lines.filter((l) => l.quantity > 0)));
}

export function addToCart(productId: string, quantity = 1): void {
  const lines = cart();
  const line = lines.find((l) => l.productId === productId);
  setCart(
    line === undefined
      ? [...lines, { productId, quantity }]
      : lines.map((l) => (l === line ? { productId, quantity: Math.min(99, l.quantity + quantity) } : l)),
  );
}

export function cartCount(): number {
  return cart().reduce((n, l) => n + l.quantity, 0);
}

/** The delivery destination (US postal code; Denver by default). */
export function destination(): { country: string; postalCode: string } {
  return { country: "US", postalCode: read<string>(ZIP, "80202") };
}

export function setPostalCode(postalCode: string): void {
  localStorage.setItem(ZIP, JSON.stringify(postalCode));
}

/** The signed-in user id as shown in the header; the token itself is an HttpOnly cookie the page cannot read. */
export function signedInUser(): string | null {
  return read<string | null>(USER, null);
}

export function setSignedInUser(user: string | null): void {
  if (user === null) localStorage.removeItem(USER);
  else localStorage.setItem(USER, JSON.stringify(user));
}

/** The delivery option chosen in the cart, as checkout sends it (the server reads its cost again). */
export interface DeliveryChoice {
  readonly carrierId: string;
  readonly service: string;
  /** What the checkout page shows, e.g. "ParcelPost Ground, arrives by Wed, Dec 9 ($10.77)". */
  readonly label: string;
}

const DELIVERY = "aisle.delivery";

export function deliveryChoice(): DeliveryChoice | null {
  return read<DeliveryChoice | null>(DELIVERY, null);
}

export function setDeliveryChoice(choice: DeliveryChoice | null): void {
  if (choice === null) localStorage.removeItem(DELIVERY);
  else localStorage.setItem(DELIVERY, JSON.stringify(choice));
}
