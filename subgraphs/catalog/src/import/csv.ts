import { stripBom } from "./ndjson.ts";
import type { ParsedRecord } from "./types.ts";

export interface CsvRow {
  /** Physical line (1-based) where the row starts; quoted fields may span several lines. */
  readonly line: number;
  readonly cells: readonly string[];
  /** Set when the row breaks RFC 4180 in a way that makes its cells unreliable. */
  readonly problem?: string;
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/**
 * Splits RFC 4180 text into rows of cells: comma-separated, fields optionally double-quoted, `""` for a
 * quote inside quotes, CRLF or LF line ends, and line breaks allowed inside quoted fields.
 * Empty lines are skipped. A quote inside an unquoted field is kept as a character, as most tools do.
 */
export function parseCsvRows(input: string): CsvRow[] {
  const text = stripBom(input);
  const rows: CsvRow[] = [];
  let line = 1;
  let i = 0;

  while (i < text.length) {
    const startLine = line;
    const cells: string[] = [];
    let problem: string | undefined;
    let rowEnded = false;

    while (!rowEnded) {
      let cell = "";
      if (text.charCodeAt(i) === QUOTE) {
        i++;
        let closed = false;
        while (!closed) {
          const quote = text.indexOf('"', i);
          const end = quote === -1 ? text.length : quote;
          for (let j = i; j < end; j++) if (text.charCodeAt(j) === LF) line++;
          cell += text.slice(i, end);
          if (quote === -1) {
            i = text.length;
            break;
          }
          if (text.charCodeAt(quote + 1) === QUOTE) {
            cell += '"';
            i = quote + 2;
          } else {
            i = quote + 1;
            closed = true;
          }
        }
        if (!closed) problem ??= 'unterminated quoted field (missing closing ")';
        // Anything between the closing quote and the next separator is malformed; keep it so nothing is lost.
        const afterQuote = i;
        while (i < text.length && !isSeparator(text.charCodeAt(i))) i++;
        if (i > afterQuote) {
          problem ??= `unexpected text after a closing quote in field ${cells.length + 1}`;
          cell += text.slice(afterQuote, i);
        }
      } else {
        const start = i;
        while (i < text.length && !isSeparator(text.charCodeAt(i))) i++;
        cell = text.slice(start, i);
      }
      cells.push(cell);

      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i++;
      } else {
        // End of line or end of text.
        if (c === CR) i++;
        if (text.charCodeAt(i) === LF) i++;
        if (c === CR || c === LF) line++;
        rowEnded = true;
      }
    }

    const blank = cells.length === 1 && (cells[0] as string).trim() === "" && problem === undefined;
    if (!blank)
      rows.push(problem === undefined ? { line: startLine, cells } : { line: startLine, cells, problem });
  }
  return rows;
}

function isSeparator(c: number): boolean {
  return c === COMMA || c === LF || c === CR;
}

/**
 * Reads a CSV file whose first non-empty row names the columns. Every cell is a string; empty cells are
 * kept as "" so that validation can tell a missing value from a missing column.
 */
export function parseCsv(text: string): ParsedRecord[] {
  const [header, ...rows] = parseCsvRows(text);
  if (header === undefined) return [];
  const columns = header.cells.map((name) => name.trim());
  const headerProblems = [
    ...(header.problem === undefined ? [] : [`header (line ${header.line}): ${header.problem}`]),
    ...columns.flatMap((name, index) => {
      if (name === "") return [`header column ${index + 1} has no name`];
      return columns.indexOf(name) !== index ? [`header names column "${name}" more than once`] : [];
    }),
  ];

  return rows.map((row): ParsedRecord => {
    if (headerProblems.length > 0) return { ok: false, line: row.line, reason: headerProblems.join("; ") };
    if (row.problem !== undefined) return { ok: false, line: row.line, reason: row.problem };
    if (row.cells.length !== columns.length) {
      return {
        ok: false,
        line: row.line,
        reason: `expected ${columns.length} fields as in the header, found ${row.cells.length}`,
      };
    }
    const fields = Object.fromEntries(columns.map((name, index) => [name, row.cells[index] as string]));
    return { ok: true, line: row.line, fields };
  });
}
