// Word lists are space-separated strings so that they stay compact after formatting.
export const FIRST_NAMES: readonly string[] = (
  "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan " +
  "Joseph Jessica Thomas Sarah Christopher Karen Daniel Lisa Matthew Nancy Anthony Sandra Mark Ashley " +
  "Steven Emily Andrew Michelle Joshua Amanda Kevin Melissa Brian Stephanie Ryan Rebecca Jacob Laura " +
  "Nicholas Olivia Eric Emma Jonathan Sophia Aaron Ava Carlos Isabella Luis Mia Wei Priya Hiroshi Aisha " +
  "Mateo Camila Omar Fatima Diego Lucia Noah Grace Ethan Chloe Liam Zoe Malik Imani Andre Keisha"
).split(" ");

export const LAST_NAMES: readonly string[] = (
  "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez " +
  "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark " +
  "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams " +
  "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Chen Patel Kim Singh Okafor O'Brien " +
  "Cohen Murphy Rossi Novak Tanaka Haddad Park Shah Reyes Morales Sullivan Bennett Hughes Foster"
).split(" ");

export interface CitySpec {
  readonly city: string;
  readonly region: string;
  readonly lat: number;
  readonly lon: number;
  /** ZIP codes are drawn from this inclusive range. */
  readonly zipFrom: number;
  readonly zipTo: number;
  /** Relative share of users, roughly the city's population in hundreds of thousands. */
  readonly weight: number;
}

const city = (
  name: string,
  region: string,
  lat: number,
  lon: number,
  zipFrom: number,
  zipTo: number,
  weight: number,
): CitySpec => ({ city: name, region, lat, lon, zipFrom, zipTo, weight });

export const CITIES: readonly CitySpec[] = [
  city("New York", "NY", 40.7128, -74.006, 10001, 10282, 83),
  city("Los Angeles", "CA", 34.0522, -118.2437, 90001, 90089, 38),
  city("Chicago", "IL", 41.8781, -87.6298, 60601, 60661, 27),
  city("Houston", "TX", 29.7604, -95.3698, 77002, 77099, 23),
  city("Phoenix", "AZ", 33.4484, -112.074, 85003, 85054, 16),
  city("Philadelphia", "PA", 39.9526, -75.1652, 19102, 19154, 16),
  city("San Antonio", "TX", 29.4241, -98.4936, 78201, 78266, 15),
  city("San Diego", "CA", 32.7157, -117.1611, 92101, 92154, 14),
  city("Dallas", "TX", 32.7767, -96.797, 75201, 75287, 13),
  city("San Jose", "CA", 37.3382, -121.8863, 95110, 95139, 10),
  city("Austin", "TX", 30.2672, -97.7431, 78701, 78759, 10),
  city("Jacksonville", "FL", 30.3322, -81.6557, 32202, 32277, 9),
  city("Columbus", "OH", 39.9612, -82.9988, 43201, 43235, 9),
  city("Charlotte", "NC", 35.2271, -80.8431, 28202, 28280, 9),
  city("Indianapolis", "IN", 39.7684, -86.1581, 46201, 46260, 9),
  city("San Francisco", "CA", 37.7749, -122.4194, 94102, 94134, 8),
  city("Seattle", "WA", 47.6062, -122.3321, 98101, 98199, 7),
  city("Denver", "CO", 39.7392, -104.9903, 80202, 80249, 7),
  city("Washington", "DC", 38.9072, -77.0369, 20001, 20037, 7),
  city("Boston", "MA", 42.3601, -71.0589, 2108, 2137, 7),
  city("Nashville", "TN", 36.1627, -86.7816, 37201, 37221, 7),
  city("Detroit", "MI", 42.3314, -83.0458, 48201, 48239, 6),
  city("Portland", "OR", 45.5152, -122.6784, 97201, 97236, 6),
  city("Las Vegas", "NV", 36.1699, -115.1398, 89101, 89149, 6),
  city("Memphis", "TN", 35.1495, -90.049, 38103, 38141, 6),
  city("Louisville", "KY", 38.2527, -85.7585, 40202, 40245, 6),
  city("Baltimore", "MD", 39.2904, -76.6122, 21201, 21239, 6),
  city("Milwaukee", "WI", 43.0389, -87.9065, 53202, 53233, 6),
  city("Albuquerque", "NM", 35.0844, -106.6504, 87102, 87123, 6),
  city("Tucson", "AZ", 32.2226, -110.9747, 85701, 85750, 5),
  city("Sacramento", "CA", 38.5816, -121.4944, 95811, 95838, 5),
  city("Kansas City", "MO", 39.0997, -94.5786, 64105, 64157, 5),
  city("Atlanta", "GA", 33.749, -84.388, 30303, 30350, 5),
  city("Miami", "FL", 25.7617, -80.1918, 33125, 33196, 4),
  city("Minneapolis", "MN", 44.9778, -93.265, 55401, 55430, 4),
  city("Raleigh", "NC", 35.7796, -78.6382, 27601, 27617, 5),
  city("New Orleans", "LA", 29.9511, -90.0715, 70112, 70131, 4),
  city("Salt Lake City", "UT", 40.7608, -111.891, 84101, 84121, 2),
  city("Pittsburgh", "PA", 40.4406, -79.9959, 15201, 15235, 3),
  city("Tampa", "FL", 27.9506, -82.4572, 33602, 33629, 4),
  city("Honolulu", "HI", 21.3069, -157.8583, 96813, 96826, 3),
  city("Anchorage", "AK", 61.2181, -149.9003, 99501, 99518, 3),
  city("Omaha", "NE", 41.2565, -95.9345, 68102, 68154, 5),
  city("Cleveland", "OH", 41.4993, -81.6944, 44102, 44135, 4),
];
