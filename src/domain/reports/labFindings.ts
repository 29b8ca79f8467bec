import { LAB_RANGES, conversionFactor, describeRange, type LabRange } from './labReferenceRanges.js';

export type Flag = 'low' | 'normal' | 'high';
export type Urgency = 'low' | 'medium' | 'high';

export interface Finding {
  name: string;
  value: number;
  unit?: string;
  flag: Flag;
}

/** How many times outside its limit a value is before it counts as moderately / severely abnormal. */
const MODERATE_RATIO = 1.25;
const SEVERE_RATIO = 2;
const MANY_ABNORMAL = 3;

/** Lines about derived values would be read as the value they name ("LDL/HDL ratio 3.1" is not HDL). */
const IGNORED_LINE = /\bratio\b|\bnon[\s-]?hdl\b|\breference\b|\bref\.?\s*range\b/;

// Indian (2,50,000) and Western (250,000) grouping, or a plain decimal.
const NUMBER = /(?<![\w.])(\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])/g;
/** A number that is a duration ("2 hr after food"), not a result. */
const DURATION_AFTER = /^\s*(?:hr|hrs|hour|hours|h)\b/;
const UNIT_AFTER = /^\s*((?:x\s?)?10\^?[³\d]*\/[a-zµμ]+\d?|\/\s?[a-zµμ]+\d?|[a-zµμ%][a-zµμ%/\d.^*³]*(?:\s?\/\s?[a-zµμ\d]+)?)/i;

interface AliasHit {
  range: LabRange;
  end: number;
  length: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const ALIASES: Array<{ range: LabRange; pattern: RegExp; length: number }> = LAB_RANGES.flatMap((range) =>
  range.aliases.map((alias) => ({ range, length: alias.length, pattern: new RegExp(`(?<![a-z0-9])${escape(alias)}(?![a-z0-9])`, 'g') })));

/** Lower-case and punctuation turned to spaces, keeping what numbers and units need (. / % ^ ,). */
function normalizeLine(line: string): string {
  return line.toLowerCase()
    .replace(/[()[\]:;|=_]/g, ' ')
    .replace(/(?<!\d),|,(?!\d)/g, ' ')
    .replace(/(?<=[a-z])-(?=[a-z0-9])|(?<=[0-9])-(?=[a-z])/g, ' ')
    .replace(/\bcu\.?\s*mm\b/g, 'cumm')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The name nearest before the value wins; of names ending at the same place, the longest (most specific). */
function bestAlias(line: string): AliasHit | null {
  let best: AliasHit | null = null;
  for (const { range, pattern, length } of ALIASES) {
    for (const match of line.matchAll(pattern)) {
      const end = (match.index ?? 0) + length;
      if (!best || end > best.end || (end === best.end && length > best.length)) best = { range, end, length };
    }
  }
  return best;
}

function valueAfter(line: string, from: number): { value: number; rest: string } | null {
  const tail = line.slice(from);
  for (const match of tail.matchAll(NUMBER)) {
    const rest = tail.slice((match.index ?? 0) + match[0].length);
    if (DURATION_AFTER.test(rest)) continue;
    return { value: Number(match[1].replace(/,/g, '')), rest };
  }
  return null;
}

/** Where the value stands against the adult range, after converting it to the range's unit. */
export function flagValue(range: LabRange, value: number, unit?: string): Flag {
  const canonical = value * (unit ? conversionFactor(range, unit) ?? 1 : 1);
  if (range.low !== undefined && canonical < range.low) return 'low';
  if (range.high !== undefined && canonical > range.high) return 'high';
  return 'normal';
}

/**
 * Reads lab results from report text, one per line: the test's name, then its value, then (optionally)
 * a unit. A unit the table does not know is kept off the finding and the value read in the canonical unit.
 * Each test is reported once (its first reading).
 */
export function extractFindings(text: string): Finding[] {
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = normalizeLine(raw);
    if (!line || IGNORED_LINE.test(line)) continue;
    const hit = bestAlias(line);
    if (!hit || seen.has(hit.range.key)) continue;
    const read = valueAfter(line, hit.end);
    if (!read) continue;
    const unitText = UNIT_AFTER.exec(read.rest)?.[1];
    const known = unitText !== undefined && conversionFactor(hit.range, unitText) !== null;
    seen.add(hit.range.key);
    findings.push({
      name: hit.range.name,
      value: read.value,
      ...(known ? { unit: displayUnit(hit.range, unitText) } : {}),
      flag: flagValue(hit.range, read.value, known ? unitText : undefined),
    });
  }
  return findings;
}

/** The canonical spelling when the report used the canonical unit, else the report's unit in the usual case. */
function displayUnit(range: LabRange, unit: string): string {
  if (conversionFactor(range, unit) === 1) return range.unit;
  return unit.replace(/\s+/g, '').replace(/\/l$/, '/L').replace(/dl$/, 'dL').replace(/ml$/, 'mL');
}

export function rangeOf(finding: Finding): LabRange | undefined {
  return LAB_RANGES.find((r) => r.name === finding.name);
}

/** How many times beyond its limit a finding is (1 = at the limit); 0 for normal or unknown values. */
export function distanceOutside(finding: Finding): number {
  const range = rangeOf(finding);
  if (!range || finding.flag === 'normal') return 0;
  const value = finding.value * (finding.unit ? conversionFactor(range, finding.unit) ?? 1 : 1);
  if (finding.flag === 'high' && range.high !== undefined) return value / range.high;
  if (finding.flag === 'low' && range.low !== undefined) return value <= 0 ? Number.POSITIVE_INFINITY : range.low / value;
  return 0;
}

/**
 * How soon to see a doctor: high when any value is at least twice beyond its limit or many are
 * moderately off; medium when any is moderately off or several are out of range; low otherwise.
 */
export function urgencyOf(findings: readonly Finding[]): Urgency {
  const distances = findings.map(distanceOutside).filter((d) => d > 0);
  const moderate = distances.filter((d) => d >= MODERATE_RATIO).length;
  if (distances.some((d) => d >= SEVERE_RATIO) || moderate >= MANY_ABNORMAL) return 'high';
  if (moderate > 0 || distances.length >= MANY_ABNORMAL) return 'medium';
  return 'low';
}

function reading(finding: Finding): string {
  return `${finding.value}${finding.unit ? ` ${finding.unit}` : ''}`;
}

/** One sentence per flagged value: what it is, where it stands, what that can mean. */
export function explainFinding(finding: Finding): string {
  const range = rangeOf(finding);
  if (!range) return `${finding.name}: ${reading(finding)} (${finding.flag}).`;
  if (finding.flag === 'normal') return `${finding.name} is ${reading(finding)}, within the adult range (${describeRange(range)}).`;
  const meaning = range.meaning[finding.flag];
  return `${finding.name} is ${finding.flag} at ${reading(finding)} (adult range ${describeRange(range)})${meaning ? `; this ${meaning}` : ''}.`;
}

/** The specialisations to book for the flagged values, most frequent first. */
export function specialisationsFor(findings: readonly Finding[]): string[] {
  const counts = new Map<string, number>();
  for (const f of findings) {
    const range = rangeOf(f);
    if (range && f.flag !== 'normal') counts.set(range.specialisation, (counts.get(range.specialisation) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([s]) => s);
}

export function summarize(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No lab values could be recognised in this report.';
  const flagged = findings.filter((f) => f.flag !== 'normal');
  if (flagged.length === 0) return `${findings.length} lab value(s) read; all are within adult reference ranges.`;
  const list = flagged.map((f) => `${f.name} ${f.flag} (${reading(f)})`).join(', ');
  return `${findings.length} lab value(s) read; ${flagged.length} outside the adult reference range: ${list}.`;
}
