import { weightedPicker, type Rng } from "./rng.ts";
import { CITIES, FIRST_NAMES, LAST_NAMES } from "./user-data.ts";
import type { User } from "./types.ts";

export const USERS_SIGNED_UP_FROM = Date.UTC(2019, 0, 1);
export const USERS_SIGNED_UP_UNTIL = Date.UTC(2026, 9, 31, 23, 59, 59);

/** How far a user's coordinates may sit from the city centre, in degrees (about 5–7 km). */
const JITTER_DEGREES = 0.06;

/** Users "1".."count" in signup order, so that `--user 42` style ids are plain decimals. */
export function generateUsers(rng: Rng, count: number): User[] {
  // Sign-ups grow over time: the square root of a uniform draw skews towards recent dates.
  const span = (USERS_SIGNED_UP_UNTIL - USERS_SIGNED_UP_FROM) / 1000;
  const signedUpAt = Array.from(
    { length: count },
    () => USERS_SIGNED_UP_FROM / 1000 + Math.floor(Math.sqrt(rng.next()) * span),
  ).sort((a, b) => a - b);

  const pickCity = weightedPicker(
    rng,
    CITIES,
    CITIES.map((c) => c.weight),
  );
  return signedUpAt.map((seconds, index): User => {
    const id = String(index + 1);
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const home = pickCity();
    return {
      id,
      displayName: `${first} ${last}`,
      email: `${emailPart(first)}.${emailPart(last)}${id}@example.com`,
      location: {
        city: home.city,
        region: home.region,
        country: "US",
        postalCode: String(rng.int(home.zipFrom, home.zipTo)).padStart(5, "0"),
        lat: roundTo4(home.lat + (rng.next() * 2 - 1) * JITTER_DEGREES),
        lon: roundTo4(home.lon + (rng.next() * 2 - 1) * JITTER_DEGREES),
      },
      signupAt: new Date(seconds * 1000).toISOString(),
    };
  });
}

function emailPart(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function roundTo4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
