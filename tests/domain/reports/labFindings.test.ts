import { describe, expect, it } from '@jest/globals';
import { explainFinding, extractFindings, specialisationsFor, summarize, urgencyOf, type Finding } from '../../../src/domain/reports/labFindings.js';
import { LAB_RANGES } from '../../../src/domain/reports/labReferenceRanges.js';

describe('reading lab values from report lines', () => {
  it.each<[string, Finding]>([
    ['Haemoglobin 10.2 g/dL 13.0 - 17.0', { name: 'Haemoglobin', value: 10.2, unit: 'g/dL', flag: 'low' }],
    ['Hemoglobin (Hb)   14.1   gm/dl', { name: 'Haemoglobin', value: 14.1, unit: 'g/dL', flag: 'normal' }],
    ['Glucose (Fasting): 126 mg/dL  70-99', { name: 'Fasting blood glucose', value: 126, unit: 'mg/dL', flag: 'high' }],
    ['Fasting Blood Sugar 5.2 mmol/L', { name: 'Fasting blood glucose', value: 5.2, unit: 'mmol/L', flag: 'normal' }],
    ['Glucose, Post Prandial (2 hr) 210 mg/dL', { name: 'Post-prandial blood glucose', value: 210, unit: 'mg/dL', flag: 'high' }],
    ['HbA1c 7.4 %', { name: 'HbA1c', value: 7.4, unit: '%', flag: 'high' }],
    ['Total Cholesterol 185 mg/dL', { name: 'Total cholesterol', value: 185, unit: 'mg/dL', flag: 'normal' }],
    ['LDL Cholesterol 162 mg/dL', { name: 'LDL cholesterol', value: 162, unit: 'mg/dL', flag: 'high' }],
    ['Cholesterol, HDL 35 mg/dL', { name: 'HDL cholesterol', value: 35, unit: 'mg/dL', flag: 'low' }],
    ['Triglycerides 2.1 mmol/L', { name: 'Triglycerides', value: 2.1, unit: 'mmol/L', flag: 'high' }],
    ['Serum Creatinine 97 µmol/L', { name: 'Creatinine', value: 97, unit: 'µmol/L', flag: 'normal' }],
    ['TSH 6.8 µIU/mL 0.4 - 4.0', { name: 'TSH', value: 6.8, unit: 'mIU/L', flag: 'high' }],
    ['25-OH Vitamin D 14 ng/mL', { name: 'Vitamin D (25-OH)', value: 14, unit: 'ng/mL', flag: 'low' }],
    ['Vitamin B12 150 pg/mL', { name: 'Vitamin B12', value: 150, unit: 'pg/mL', flag: 'low' }],
    ['Platelet Count 2,50,000 /cumm', { name: 'Platelet count', value: 250000, unit: '/cumm', flag: 'normal' }],
    ['Platelets 0.9 lakhs/cumm', { name: 'Platelet count', value: 0.9, unit: 'lakhs/cumm', flag: 'low' }],
    ['Total Leucocyte Count (TLC) 13.5 x10^3/µL', { name: 'White blood cells (WBC)', value: 13.5, unit: '10^3/µL', flag: 'high' }],
    ['WBC 7,800 cells/cu mm', { name: 'White blood cells (WBC)', value: 7800, unit: 'cells/cumm', flag: 'normal' }],
  ])('%s', (line, finding) => {
    expect(extractFindings(line)).toEqual([finding]);
  });

  it.each([
    ['a ratio of two values', 'LDL/HDL Ratio 3.2'],
    ['a name without a value', 'Haemoglobin'],
    ['prose without lab names', 'Patient advised to repeat after 3 months'],
    ['a word that merely contains a short name', 'Thbx 12 units'],
  ])('ignores %s', (_, line) => {
    expect(extractFindings(line)).toEqual([]);
  });

  it('reads each test once, from its first line', () => {
    expect(extractFindings('Hb 9.1 g/dL\nHb 13.2 g/dL')).toEqual([{ name: 'Haemoglobin', value: 9.1, unit: 'g/dL', flag: 'low' }]);
  });

  it('every reference range has a bound, a unit and a specialisation', () => {
    for (const range of LAB_RANGES) {
      expect(range.low !== undefined || range.high !== undefined).toBe(true);
      expect(range.unit).not.toBe('');
      expect(range.specialisation).not.toBe('');
      if (range.low !== undefined && range.high !== undefined) expect(range.low).toBeLessThan(range.high);
    }
  });
});

const f = (name: string, value: number, flag: Finding['flag'], unit?: string): Finding => ({ name, value, flag, ...(unit ? { unit } : {}) });

describe('urgency from how far and how many values are out of range', () => {
  it.each<[string, Finding[], 'low' | 'medium' | 'high']>([
    ['nothing read', [], 'low'],
    ['all normal', [f('Haemoglobin', 14, 'normal', 'g/dL'), f('TSH', 2, 'normal')], 'low'],
    ['one value slightly off', [f('LDL cholesterol', 110, 'high', 'mg/dL')], 'low'],
    ['one value moderately off', [f('LDL cholesterol', 130, 'high', 'mg/dL')], 'medium'],
    ['three values slightly off', [f('LDL cholesterol', 105, 'high'), f('Triglycerides', 160, 'high'), f('Total cholesterol', 210, 'high')], 'medium'],
    ['one value far off', [f('Fasting blood glucose', 260, 'high', 'mg/dL')], 'high'],
    ['a far-off value in another unit', [f('Fasting blood glucose', 14.5, 'high', 'mmol/L')], 'high'],
    ['platelets far below range', [f('Platelet count', 40000, 'low', '/cumm')], 'high'],
    ['three values moderately off', [f('HbA1c', 7.5, 'high', '%'), f('LDL cholesterol', 140, 'high'), f('Haemoglobin', 9, 'low', 'g/dL')], 'high'],
  ])('%s → %s', (_, findings, urgency) => {
    expect(urgencyOf(findings)).toBe(urgency);
  });
});

describe('explaining findings', () => {
  it('names the value, the range and what it can mean', () => {
    const text = explainFinding(f('Haemoglobin', 9.1, 'low', 'g/dL'));
    expect(text).toContain('Haemoglobin is low at 9.1 g/dL');
    expect(text).toContain('12–17.5 g/dL');
    expect(text).toContain('anaemia');
  });

  it('suggests the specialisation of the flagged values, most frequent first', () => {
    expect(specialisationsFor([
      f('LDL cholesterol', 160, 'high'), f('Triglycerides', 200, 'high'), f('HbA1c', 7, 'high'), f('Haemoglobin', 14, 'normal'),
    ])).toEqual(['Cardiology', 'Endocrinology']);
  });

  it.each<[string, Finding[], string]>([
    ['nothing read', [], 'No lab values could be recognised'],
    ['all normal', [f('TSH', 2, 'normal')], 'all are within adult reference ranges'],
    ['some flagged', [f('TSH', 6, 'high'), f('Haemoglobin', 14, 'normal')], '1 outside the adult reference range: TSH high (6)'],
  ])('summarises %s', (_, findings, text) => {
    expect(summarize(findings)).toContain(text);
  });
});
