/**
 * Adult reference ranges for common lab tests: the one table the embedded analyzer flags against.
 * Values are typical adult ranges (sex-independent where labs differ by sex, the combined span is used);
 * a real lab's own range printed on the report may differ slightly.
 */
export interface UnitConversion {
  /** How the unit is written on reports, compared after `normalizeUnit`. */
  spellings: string[];
  /** Multiply a value in this unit by `factor` to get the canonical unit. */
  factor: number;
}

export interface LabRange {
  key: string;
  /** Display name. */
  name: string;
  /** Lower-case names as printed on reports; longer, more specific names win over shorter ones. */
  aliases: string[];
  /** Canonical unit, the one `low` and `high` are in. */
  unit: string;
  unitSpellings: string[];
  low?: number;
  high?: number;
  /** Other units seen on reports, converted to the canonical unit before flagging. */
  conversions: UnitConversion[];
  /** What the value says, for explanations. */
  meaning: { low?: string; high?: string };
  /** The specialisation to book when the value is out of range. */
  specialisation: string;
}

const perCubicMm = ['/cumm', '/cu mm', 'cells/cumm', '/mm3', 'cells/mm3', '/ul', '/µl', 'cells/ul', 'cells/µl'];
const thousandsPerMicrolitre = ['10^3/ul', '10^3/µl', 'x10^3/ul', 'x10^3/µl', '10^9/l', 'x10^9/l', 'k/ul', 'thou/ul', '10³/µl', 'x10³/µl'];

export const LAB_RANGES: readonly LabRange[] = [
  {
    key: 'haemoglobin', name: 'Haemoglobin', aliases: ['haemoglobin', 'hemoglobin', 'hb', 'hgb'],
    unit: 'g/dL', unitSpellings: ['g/dl', 'gm/dl', 'gms/dl', 'gm%', 'g%'], low: 12.0, high: 17.5,
    conversions: [{ spellings: ['g/l'], factor: 0.1 }, { spellings: ['mmol/l'], factor: 1.611 }],
    meaning: { low: 'may point to anaemia (fewer oxygen-carrying red cells)', high: 'can come with dehydration, smoking or lung and blood disorders' },
    specialisation: 'General Physician',
  },
  {
    key: 'glucose_fasting', name: 'Fasting blood glucose',
    aliases: ['fasting blood glucose', 'fasting glucose', 'glucose fasting', 'fasting blood sugar', 'blood sugar fasting', 'fbs', 'fpg', 'glucose f'],
    unit: 'mg/dL', unitSpellings: ['mg/dl', 'mg%'], low: 70, high: 99,
    conversions: [{ spellings: ['mmol/l'], factor: 18.016 }],
    meaning: { low: 'is low blood sugar (hypoglycaemia)', high: 'suggests prediabetes (100–125) or diabetes (126 and above)' },
    specialisation: 'Endocrinology',
  },
  {
    key: 'glucose_pp', name: 'Post-prandial blood glucose',
    aliases: ['post prandial blood glucose', 'postprandial blood glucose', 'post prandial glucose', 'postprandial glucose', 'glucose pp',
      'pp blood sugar', 'post prandial blood sugar', 'blood sugar pp', 'ppbs', 'glucose post prandial', '2 hr glucose', 'glucose 2 hr'],
    unit: 'mg/dL', unitSpellings: ['mg/dl', 'mg%'], low: 70, high: 139,
    conversions: [{ spellings: ['mmol/l'], factor: 18.016 }],
    meaning: { low: 'is low blood sugar after a meal', high: 'suggests impaired glucose tolerance (140–199) or diabetes (200 and above)' },
    specialisation: 'Endocrinology',
  },
  {
    key: 'glucose_random', name: 'Random blood glucose',
    aliases: ['random blood glucose', 'random glucose', 'random blood sugar', 'rbs', 'glucose random', 'blood glucose', 'glucose'],
    unit: 'mg/dL', unitSpellings: ['mg/dl', 'mg%'], low: 70, high: 139,
    conversions: [{ spellings: ['mmol/l'], factor: 18.016 }],
    meaning: { low: 'is low blood sugar', high: 'is raised blood sugar; a fasting test or HbA1c tells more' },
    specialisation: 'Endocrinology',
  },
  {
    key: 'hba1c', name: 'HbA1c',
    aliases: ['hba1c', 'hb a1c', 'a1c', 'glycated haemoglobin', 'glycated hemoglobin', 'glycosylated haemoglobin', 'glycosylated hemoglobin'],
    unit: '%', unitSpellings: ['%'], low: 4.0, high: 5.6,
    conversions: [{ spellings: ['mmol/mol'], factor: 0.0915 }],
    meaning: { low: 'is below the usual range, sometimes seen with anaemia or blood loss', high: 'reflects raised average blood sugar over 3 months (5.7–6.4 prediabetes, 6.5 and above diabetes)' },
    specialisation: 'Endocrinology',
  },
  {
    key: 'cholesterol_total', name: 'Total cholesterol',
    aliases: ['total cholesterol', 'cholesterol total', 'serum cholesterol', 'cholesterol'],
    unit: 'mg/dL', unitSpellings: ['mg/dl'], high: 199,
    conversions: [{ spellings: ['mmol/l'], factor: 38.67 }],
    meaning: { high: 'raises the risk of heart disease over time' },
    specialisation: 'Cardiology',
  },
  {
    key: 'ldl', name: 'LDL cholesterol',
    aliases: ['ldl cholesterol', 'cholesterol ldl', 'ldl c', 'ldl-c', 'ldl'],
    unit: 'mg/dL', unitSpellings: ['mg/dl'], high: 99,
    conversions: [{ spellings: ['mmol/l'], factor: 38.67 }],
    meaning: { high: 'is the "bad" cholesterol that builds up in arteries' },
    specialisation: 'Cardiology',
  },
  {
    key: 'hdl', name: 'HDL cholesterol',
    aliases: ['hdl cholesterol', 'cholesterol hdl', 'hdl c', 'hdl-c', 'hdl'],
    unit: 'mg/dL', unitSpellings: ['mg/dl'], low: 40,
    conversions: [{ spellings: ['mmol/l'], factor: 38.67 }],
    meaning: { low: 'means less of the protective "good" cholesterol' },
    specialisation: 'Cardiology',
  },
  {
    key: 'triglycerides', name: 'Triglycerides',
    aliases: ['triglycerides', 'triglyceride', 'serum triglycerides', 'tg', 'trigs'],
    unit: 'mg/dL', unitSpellings: ['mg/dl'], high: 149,
    conversions: [{ spellings: ['mmol/l'], factor: 88.57 }],
    meaning: { high: 'adds to heart risk; very high values can inflame the pancreas' },
    specialisation: 'Cardiology',
  },
  {
    key: 'creatinine', name: 'Creatinine',
    aliases: ['serum creatinine', 'creatinine serum', 's creatinine', 'creatinine'],
    unit: 'mg/dL', unitSpellings: ['mg/dl'], low: 0.6, high: 1.3,
    conversions: [{ spellings: ['µmol/l', 'umol/l'], factor: 1 / 88.4 }],
    meaning: { low: 'is usually harmless and tracks low muscle mass', high: 'can mean the kidneys are filtering less well' },
    specialisation: 'Nephrology',
  },
  {
    key: 'urea', name: 'Blood urea', aliases: ['blood urea', 'serum urea', 'urea'],
    unit: 'mg/dL', unitSpellings: ['mg/dl'], low: 15, high: 45,
    conversions: [{ spellings: ['mmol/l'], factor: 6.006 }],
    meaning: { low: 'is seldom a concern on its own', high: 'can come with dehydration or reduced kidney function' },
    specialisation: 'Nephrology',
  },
  {
    key: 'tsh', name: 'TSH', aliases: ['thyroid stimulating hormone', 'tsh ultrasensitive', 'tsh'],
    unit: 'mIU/L', unitSpellings: ['miu/l', 'µiu/ml', 'uiu/ml', 'miu/ml', 'mu/l', 'µu/ml', 'uu/ml'], low: 0.4, high: 4.0,
    conversions: [],
    meaning: { low: 'can mean an overactive thyroid (hyperthyroidism)', high: 'can mean an underactive thyroid (hypothyroidism)' },
    specialisation: 'Endocrinology',
  },
  {
    key: 'vitamin_d', name: 'Vitamin D (25-OH)',
    aliases: ['25 oh vitamin d', '25 hydroxy vitamin d', 'vitamin d 25 oh', 'vitamin d total', 'vitamin d3', 'vitamin d', 'vit d'],
    unit: 'ng/mL', unitSpellings: ['ng/ml'], low: 30, high: 100,
    conversions: [{ spellings: ['nmol/l'], factor: 0.4006 }],
    meaning: { low: 'is vitamin D insufficiency (below 20: deficiency), which weakens bones and muscles', high: 'is usually from too much supplementation' },
    specialisation: 'General Physician',
  },
  {
    key: 'vitamin_b12', name: 'Vitamin B12',
    aliases: ['vitamin b12', 'vit b12', 'cyanocobalamin', 'cobalamin', 'b12'],
    unit: 'pg/mL', unitSpellings: ['pg/ml'], low: 200, high: 900,
    conversions: [{ spellings: ['pmol/l'], factor: 1.355 }],
    meaning: { low: 'can cause tiredness, anaemia and tingling in hands and feet', high: 'is usually from supplements and rarely a concern on its own' },
    specialisation: 'General Physician',
  },
  {
    key: 'platelets', name: 'Platelet count',
    aliases: ['platelet count', 'platelets', 'platelet', 'plt'],
    unit: '10^3/µL', unitSpellings: thousandsPerMicrolitre, low: 150, high: 450,
    conversions: [{ spellings: perCubicMm, factor: 0.001 }, { spellings: ['lakh/cumm', 'lakhs/cumm', 'lakh/mm3', 'lakhs/mm3'], factor: 100 }],
    meaning: { low: 'raises the risk of bleeding and bruising (seen with dengue and other infections)', high: 'can follow inflammation or iron deficiency' },
    specialisation: 'Haematology',
  },
  {
    key: 'wbc', name: 'White blood cells (WBC)',
    aliases: ['total leucocyte count', 'total leukocyte count', 'white blood cell count', 'white blood cells', 'wbc count', 'tlc', 'wbc'],
    unit: '10^3/µL', unitSpellings: thousandsPerMicrolitre, low: 4.0, high: 11.0,
    conversions: [{ spellings: perCubicMm, factor: 0.001 }],
    meaning: { low: 'can lower resistance to infection', high: 'often means the body is fighting an infection or inflammation' },
    specialisation: 'General Physician',
  },
  {
    key: 'sodium', name: 'Sodium', aliases: ['serum sodium', 'sodium'],
    unit: 'mmol/L', unitSpellings: ['mmol/l', 'meq/l'], low: 135, high: 145, conversions: [],
    meaning: { low: 'can cause confusion and weakness', high: 'usually means dehydration' },
    specialisation: 'General Physician',
  },
  {
    key: 'potassium', name: 'Potassium', aliases: ['serum potassium', 'potassium'],
    unit: 'mmol/L', unitSpellings: ['mmol/l', 'meq/l'], low: 3.5, high: 5.1, conversions: [],
    meaning: { low: 'can cause cramps and heart rhythm problems', high: 'can affect the heart rhythm' },
    specialisation: 'General Physician',
  },
  {
    key: 'alt', name: 'ALT (SGPT)', aliases: ['alanine aminotransferase', 'sgpt', 'alt'],
    unit: 'U/L', unitSpellings: ['u/l', 'iu/l'], high: 56, conversions: [],
    meaning: { high: 'can point to liver inflammation' },
    specialisation: 'Gastroenterology',
  },
  {
    key: 'ast', name: 'AST (SGOT)', aliases: ['aspartate aminotransferase', 'sgot', 'ast'],
    unit: 'U/L', unitSpellings: ['u/l', 'iu/l'], high: 40, conversions: [],
    meaning: { high: 'can point to liver or muscle injury' },
    specialisation: 'Gastroenterology',
  },
  {
    key: 'bilirubin_total', name: 'Total bilirubin', aliases: ['total bilirubin', 'bilirubin total', 'serum bilirubin', 'bilirubin'],
    unit: 'mg/dL', unitSpellings: ['mg/dl'], high: 1.2,
    conversions: [{ spellings: ['µmol/l', 'umol/l'], factor: 1 / 17.1 }],
    meaning: { high: 'can cause jaundice and points to the liver or red cell breakdown' },
    specialisation: 'Gastroenterology',
  },
  {
    key: 'uric_acid', name: 'Uric acid', aliases: ['serum uric acid', 'uric acid'],
    unit: 'mg/dL', unitSpellings: ['mg/dl'], low: 3.5, high: 7.2,
    conversions: [{ spellings: ['µmol/l', 'umol/l'], factor: 1 / 59.48 }],
    meaning: { low: 'is rarely a concern', high: 'can lead to gout and kidney stones' },
    specialisation: 'General Physician',
  },
];

/** Lower-case, `u` for micro, no spaces: how units are compared. */
export function normalizeUnit(unit: string): string {
  return unit.toLowerCase().replace(/[μ]/g, 'µ').replace(/\s+/g, '').replace(/^x?10\*/, '10^').replace(/×/g, 'x');
}

/** The factor that turns a value in `unit` into the range's canonical unit, or null for an unknown unit. */
export function conversionFactor(range: LabRange, unit: string): number | null {
  const wanted = normalizeUnit(unit);
  const same = (spelling: string) => normalizeUnit(spelling) === wanted || normalizeUnit(spelling).replace('µ', 'u') === wanted.replace('µ', 'u');
  if (same(range.unit) || range.unitSpellings.some(same)) return 1;
  return range.conversions.find((c) => c.spellings.some(same))?.factor ?? null;
}

export function rangeByKey(key: string): LabRange | undefined {
  return LAB_RANGES.find((r) => r.key === key);
}

/** "12–17.5 g/dL", "below 100 mg/dL", "above 40 mg/dL". */
export function describeRange(range: LabRange): string {
  if (range.low !== undefined && range.high !== undefined) return `${range.low}–${range.high} ${range.unit}`;
  if (range.high !== undefined) return `up to ${range.high} ${range.unit}`;
  return `${range.low} ${range.unit} or more`;
}
