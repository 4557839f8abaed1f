// The report's building blocks: a measured outcome's figures, numbers as printed, and Markdown tables.
import type { Measurement, Outcome } from './measure.ts';

export function measured(outcome: Outcome | null | undefined): Measurement | null {
  return outcome && 'measurement' in outcome ? outcome.measurement : null;
}

export function missingNote(outcome: Outcome | null | undefined): string {
  if (!outcome) return '—';
  return 'missing' in outcome ? 'n/a (feature missing)' : '';
}

export const number = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** One row of a table: the first cell padded on the right, the others (figures) on the left. */
export function tableRow(cells: string[], widths: number[]): string {
  const cell = (text: string, column: number): string =>
    column === 0 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!);
  return `| ${cells.map(cell).join(' | ')} |`;
}

/** A Markdown table: the first column left-aligned, the others right-aligned (figures). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string => tableRow(cells, widths);
  const rule = (width: number, column: number): string =>
    column === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`;
  return [line(headers), `|${widths.map(rule).join('|')}|`, ...rows.map(line)].join('\n');
}
