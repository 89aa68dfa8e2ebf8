import { streamFor, type Rng } from "./rng.ts";
import type { User, World } from "./types.ts";

/** Which story a synthetic payment belongs to: legitimate, or one of the fraud patterns it plants. */
export type PaymentPattern = "legit" | "card-testing" | "account-takeover" | "new-account" | "device-farm";

/**
 * One checkout payment of the demo world's synthetic history: what a checkout service would send for
 * risk assessment (no card numbers: a payment-method fingerprint), plus the ground-truth label.
 */
export interface PaymentEvent {
  readonly id: string;
  /** ISO-8601 timestamp. */
  readonly at: string;
  readonly userId: string;
  readonly amountMinor: number;
  readonly currency: "USD";
  readonly paymentMethodFingerprint: string;
  readonly deviceId: string;
  readonly ip: string;
  readonly ipCountry: string;
  readonly emailDomain: string;
  readonly billingCountry: string;
  readonly shippingCountry: string;
  readonly itemCount: number;
  readonly fraud: boolean;
  readonly pattern: PaymentPattern;
}

export interface PaymentHistoryOptions {
  /** Legitimate payments to generate (fraud comes on top, about 4 % of the total). Default 60 000. */
  readonly legitCount: number;
  /** End of the history (epoch ms). Default: the last demo sign-up date, 2026-10-31. */
  readonly until: number;
  /** Length of the history in days. Default 60. */
  readonly days: number;
}

export const DEFAULT_PAYMENT_HISTORY: PaymentHistoryOptions = {
  legitCount: 60_000,
  until: Date.UTC(2026, 9, 31, 23, 59, 59),
  days: 60,
};

const FREE_MAIL = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com"];
const FREE_MAIL_WEIGHTS = [45, 15, 15, 12, 8, 5];
/** Throwaway-address domains; the payment-risk rules list these too. */
export const DISPOSABLE_EMAIL_DOMAINS: readonly string[] = [
  "mailinator.com",
  "guerrillamail.com",
  "10minutemail.com",
  "tempmail.dev",
  "trashmail.io",
];
const FOREIGN = ["GB", "DE", "FR", "CA", "MX", "BR", "NG", "RU", "CN", "IN", "RO", "VN"];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Profile {
  readonly user: User;
  readonly cards: string[];
  readonly devices: string[];
  readonly ips: string[];
  readonly emailDomain: string;
}

const hex = (rng: Rng, length: number): string =>
  Array.from({ length }, () => rng.int(0, 15).toString(16)).join("");
const ipv4 = (rng: Rng): string =>
  `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
const dollars = (value: number): number => Math.max(100, Math.round(value * 100));

/**
 * A synthetic payments history over the demo world's users with planted fraud patterns, drawn from its
 * own `payments` stream: generating it never changes the world's other parts. Events are sorted by time.
 *
 * - legit: users with one or two cards, devices and home IPs, US billing and shipping (a few gifts abroad
 *   and travellers), lognormal amounts around $60, now and then two or three orders within an hour.
 * - card-testing: a stolen card tried 6–20 times within an hour on small amounts from one device.
 * - account-takeover: an old account on a new device and foreign IP, shipping abroad, large amounts.
 * - new-account: an account used within a day of signing up, often a throwaway e-mail domain, large amounts.
 * - device-farm: one device behind 8–25 accounts over a few days.
 */
export function generatePayments(world: World, options: Partial<PaymentHistoryOptions> = {}): PaymentEvent[] {
  const { legitCount, until, days } = { ...DEFAULT_PAYMENT_HISTORY, ...options };
  const rng = streamFor(world.seed, "payments");
  const from = until - days * DAY;
  const events: PaymentEvent[] = [];
  let serial = 0;
  const emit = (event: Omit<PaymentEvent, "id" | "currency">): void => {
    serial += 1;
    events.push({ id: `pay-${serial}`, currency: "USD", ...event });
  };
  const users = world.users.filter((u) => Date.parse(u.signupAt) < until);
  if (users.length === 0) return [];
  const profiles = new Map<string, Profile>();
  const profileOf = (user: User): Profile => {
    let profile = profiles.get(user.id);
    if (profile === undefined) {
      profile = {
        user,
        cards: Array.from({ length: rng.chance(0.3) ? 2 : 1 }, () => `pm_${hex(rng, 16)}`),
        devices: Array.from({ length: rng.chance(0.35) ? 2 : 1 }, () => `dev_${hex(rng, 12)}`),
        ips: Array.from({ length: rng.int(1, 3) }, () => ipv4(rng)),
        emailDomain: rng.weightedPick(FREE_MAIL, FREE_MAIL_WEIGHTS),
      };
      profiles.set(user.id, profile);
    }
    return profile;
  };
  const atAfter = (user: User, earliest: number): number => {
    const start = Math.max(from, Date.parse(user.signupAt) + 10 * 60_000, earliest);
    return start + Math.floor(rng.next() * Math.max(1, until - start));
  };
  const iso = (t: number): string => new Date(Math.min(t, until)).toISOString();

  // Legitimate payments: a third of users shop often, the rest now and then.
  for (let i = 0; i < legitCount;) {
    const user = rng.pick(users);
    const p = profileOf(user);
    const burst = rng.chance(0.08) ? rng.int(2, 3) : 1;
    let t = atAfter(user, from);
    for (let b = 0; b < burst && i < legitCount; b++, i++) {
      const travelling = rng.chance(0.03);
      emit({
        at: iso(t),
        userId: user.id,
        amountMinor: dollars(rng.lognormal(60, 0.9)),
        paymentMethodFingerprint: rng.chance(0.97) ? rng.pick(p.cards) : `pm_${hex(rng, 16)}`,
        deviceId: rng.chance(0.95) ? rng.pick(p.devices) : `dev_${hex(rng, 12)}`,
        ip: travelling || rng.chance(0.1) ? ipv4(rng) : rng.pick(p.ips),
        ipCountry: travelling ? rng.pick(FOREIGN) : "US",
        emailDomain: p.emailDomain,
        billingCountry: user.location.country,
        shippingCountry: rng.chance(0.03) ? rng.pick(FOREIGN) : user.location.country,
        itemCount: rng.int(1, 4),
        fraud: false,
        pattern: "legit",
      });
      t += rng.int(1, 50) * 60_000;
    }
  }

  const oldAccounts = users.filter((u) => Date.parse(u.signupAt) < from - 90 * DAY);
  const recentAccounts = users.filter((u) => Date.parse(u.signupAt) >= from);
  const fraudEvents = Math.round(legitCount * 0.04);
  let planted = 0;
  while (planted < fraudEvents) {
    const pattern = rng.weightedPick(
      ["card-testing", "account-takeover", "new-account", "device-farm"] as const,
      // Incident weights: a card test or a device farm makes many payments, a new account one.
      [1, 6, 10, 1],
    );
    if (pattern === "card-testing") {
      const card = `pm_${hex(rng, 16)}`;
      const device = `dev_${hex(rng, 12)}`;
      const ip = ipv4(rng);
      const country = rng.pick(FOREIGN);
      const accounts = rng.sample(users, rng.int(1, 4));
      let t = from + Math.floor(rng.next() * (until - from - HOUR));
      for (let k = rng.int(6, 20); k > 0; k--, planted++) {
        const user = rng.pick(accounts);
        emit({
          at: iso(t),
          userId: user.id,
          amountMinor: dollars(1 + rng.next() * 19),
          paymentMethodFingerprint: card,
          deviceId: device,
          ip,
          ipCountry: country,
          emailDomain: rng.chance(0.5) ? rng.pick(DISPOSABLE_EMAIL_DOMAINS) : profileOf(user).emailDomain,
          billingCountry: rng.chance(0.6) ? country : "US",
          shippingCountry: user.location.country,
          itemCount: 1,
          fraud: true,
          pattern,
        });
        t += rng.int(1, 5) * 60_000;
      }
    } else if (pattern === "account-takeover") {
      const user = rng.pick(oldAccounts.length > 0 ? oldAccounts : users);
      const p = profileOf(user);
      const device = `dev_${hex(rng, 12)}`;
      const country = rng.pick(FOREIGN);
      let t = atAfter(user, from);
      for (let k = rng.int(1, 3); k > 0; k--, planted++) {
        emit({
          at: iso(t),
          userId: user.id,
          amountMinor: dollars(rng.lognormal(700, 0.6)),
          paymentMethodFingerprint: rng.chance(0.5) ? rng.pick(p.cards) : `pm_${hex(rng, 16)}`,
          deviceId: device,
          ip: ipv4(rng),
          ipCountry: rng.chance(0.8) ? country : "US",
          emailDomain: p.emailDomain,
          billingCountry: user.location.country,
          shippingCountry: rng.chance(0.6) ? country : user.location.country,
          itemCount: rng.int(1, 6),
          fraud: true,
          pattern,
        });
        t += rng.int(5, 90) * 60_000;
      }
    } else if (pattern === "new-account") {
      const user = rng.pick(recentAccounts.length > 0 ? recentAccounts : users);
      const t = Date.parse(user.signupAt) + rng.int(2, 600) * 60_000;
      const country = rng.pick(FOREIGN);
      emit({
        at: iso(t),
        userId: user.id,
        amountMinor: dollars(rng.lognormal(450, 0.7)),
        paymentMethodFingerprint: `pm_${hex(rng, 16)}`,
        deviceId: `dev_${hex(rng, 12)}`,
        ip: ipv4(rng),
        ipCountry: rng.chance(0.5) ? country : "US",
        emailDomain: rng.chance(0.5) ? rng.pick(DISPOSABLE_EMAIL_DOMAINS) : rng.pick(FREE_MAIL),
        billingCountry: user.location.country,
        shippingCountry: rng.chance(0.5) ? country : user.location.country,
        itemCount: rng.int(1, 5),
        fraud: true,
        pattern,
      });
      planted++;
    } else {
      const device = `dev_${hex(rng, 12)}`;
      const accounts = rng.sample(users, rng.int(8, 25));
      let t = from + Math.floor(rng.next() * (until - from - 4 * DAY));
      for (const user of accounts) {
        emit({
          at: iso(t),
          userId: user.id,
          amountMinor: dollars(rng.lognormal(150, 0.6)),
          paymentMethodFingerprint: `pm_${hex(rng, 16)}`,
          deviceId: device,
          ip: ipv4(rng),
          ipCountry: "US",
          emailDomain: rng.chance(0.3) ? rng.pick(DISPOSABLE_EMAIL_DOMAINS) : rng.pick(FREE_MAIL),
          billingCountry: user.location.country,
          shippingCountry: user.location.country,
          itemCount: rng.int(1, 3),
          fraud: true,
          pattern,
        });
        planted++;
        t += rng.int(10, 300) * 60_000;
      }
    }
  }
  return events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
}
