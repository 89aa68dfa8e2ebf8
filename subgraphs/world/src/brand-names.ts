import type { Rng } from "./rng.ts";

// Word lists are space-separated strings so that they stay compact after formatting.
const SYLLABLE_STARTS = words(
  "Nord Vel Aur Kest Lum Bram Cor Dal Fen Hal Mar Ost Quin Sol Tor Vin Zen Alt Bel Cal " +
    "Tav Ryn Sab Lor Mir Pel Tess Var Bry Eld Gal Hol Jun Kal Lind Mon Nev Orr Pax Sten",
);
const SYLLABLE_ENDS = words(
  "vik ora ex ia en ark ly ivo wyn ton mo sa ura ix ell and ford stead ley ara " +
    "eno ova ine usk holm berg ant ello is ette",
);
const WORD_FIRSTS = words(
  "Copper North Silver Maple Harbor Iron Blue Golden Wild Cedar Stone Tidal Summit Willow " +
    "Field Ember Pine Salt Juniper Birch Bright Little Grand True",
);
const WORD_SECONDS = words(
  "Fox Fern Oak Wren Bay Crest Ridge Hollow Lane Peak Grove Brook Meadow Raven Moth Finch Hill Rock",
);

function words(text: string): readonly string[] {
  return text.split(" ");
}

/** An invented, pronounceable brand name such as "Nordvik", "Copper Wren" or "Kalora Audio". */
export function inventBrandName(rng: Rng, suffixes: readonly string[], suffixChance: number): string {
  const base = rng.chance(0.65)
    ? rng.pick(SYLLABLE_STARTS) + rng.pick(SYLLABLE_ENDS)
    : `${rng.pick(WORD_FIRSTS)} ${rng.pick(WORD_SECONDS)}`;
  return suffixes.length > 0 && rng.chance(suffixChance) ? `${base} ${rng.pick(suffixes)}` : base;
}
