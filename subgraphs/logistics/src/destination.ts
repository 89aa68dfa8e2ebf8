import { Field, InputType } from "type-graphql";
import { badUserInput } from "@aisle/kit";
import { locateUsZip } from "@aisle/world";

@InputType("DestinationInput", {
  description:
    "Where to deliver: an ISO 3166-1 alpha-2 country code and a postal code in that country's format " +
    "(US: 12345 or 12345-6789; CA: A1A 1A1; GB: SW1A 1AA; DE, FR, ES, IT: 5 digits; others: 2–10 letters, " +
    "digits, spaces or hyphens). A malformed destination gives BAD_USER_INPUT; a well-formed one Aisle " +
    "cannot serve gives an empty option list with a reason.",
})
export class DestinationInput {
  @Field(() => String, { description: "ISO 3166-1 alpha-2 country code, e.g. US (case-insensitive)." })
  country!: string;

  @Field(() => String, { description: "Postal code, e.g. 80202 for Denver." })
  postalCode!: string;
}

/** A destination whose format was checked, normalised (upper case, single spaces). */
export interface Destination {
  readonly country: string;
  readonly postalCode: string;
}

/** Where a served destination is. */
export interface Located {
  readonly served: true;
  readonly destination: Destination;
  readonly lat: number;
  readonly lon: number;
  /** ZIP first digit, 0–9: the carriers' hub region. */
  readonly region: number;
}

/** A well-formed destination that cannot be served, with the reason shown to the shopper. */
export interface NotServed {
  readonly served: false;
  readonly destination: Destination;
  readonly reason: string;
}

const POSTAL_FORMATS: Readonly<Record<string, RegExp>> = {
  US: /^\d{5}(-\d{4})?$/,
  CA: /^[A-Z]\d[A-Z] \d[A-Z]\d$/,
  GB: /^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/,
  DE: /^\d{5}$/,
  FR: /^\d{5}$/,
  ES: /^\d{5}$/,
  IT: /^\d{5}$/,
};
const GENERIC_POSTAL = /^[A-Z0-9][A-Z0-9 -]{1,9}$/;

/** Checks and normalises a destination's format; throws BAD_USER_INPUT naming the field. */
export function parseDestination(input: { country: string; postalCode: string }): Destination {
  const country = input.country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) {
    throw badUserInput("country must be an ISO 3166-1 alpha-2 code such as US", "destination.country");
  }
  let postalCode = input.postalCode.trim().toUpperCase().replace(/\s+/g, " ");
  if (country === "CA" && /^[A-Z]\d[A-Z]\d[A-Z]\d$/.test(postalCode)) {
    postalCode = `${postalCode.slice(0, 3)} ${postalCode.slice(3)}`;
  }
  const format = POSTAL_FORMATS[country] ?? GENERIC_POSTAL;
  if (!format.test(postalCode)) {
    throw badUserInput(
      `postalCode ${JSON.stringify(input.postalCode.slice(0, 20))} is not a valid ${country} postal code`,
      "destination.postalCode",
    );
  }
  return { country, postalCode };
}

/** Finds a checked destination: served (with coordinates) or not served (with the reason). */
export function locate(destination: Destination): Located | NotServed {
  if (destination.country !== "US") {
    return { served: false, destination, reason: "Aisle ships only to addresses in the United States" };
  }
  const where = locateUsZip(destination.postalCode);
  if (!where.served) return { served: false, destination, reason: where.reason };
  return { served: true, destination, lat: where.lat, lon: where.lon, region: where.region };
}
