import { describe, expect, it } from '@jest/globals';
import { MEDICAL_DISCLAIMER, triageReply, triageSymptoms, withDisclaimer } from '../../../src/domain/reports/symptomTriage.js';

describe('triaging symptoms', () => {
  it.each<[string, string, string]>([
    ['I have had chest pain since this morning', 'chest pain', 'Cardiology'],
    ['Feeling breathless when climbing stairs', 'breathlessness', 'Pulmonology'],
    ['shortness of breath at night', 'breathlessness', 'Pulmonology'],
    ['my father has slurred speech and his face is drooping', 'signs of a stroke', 'Neurology'],
    ['I fainted twice today', 'fainting', 'Cardiology'],
    ['vomiting blood since last night', 'serious bleeding', 'Gastroenterology'],
    ['I keep thinking about suicide', 'thoughts of self-harm', 'Psychiatry'],
  ])('"%s" is a red flag (%s) → high, book %s', (message, flag, specialisation) => {
    const result = triageSymptoms([message]);
    expect(result).toMatchObject({ urgency: 'high', suggestBooking: true });
    expect(result.redFlags).toContain(flag);
    expect(result.specialisations[0]).toBe(specialisation);
  });

  it.each<[string, string]>([
    ['I have a fever and chills', 'General Physician'],
    ['itchy rash on my arms', 'Dermatology'],
    ['knee pain after running', 'Orthopaedics'],
    ['acidity and nausea after meals', 'Gastroenterology'],
    ['my sugar levels are high', 'Endocrinology'],
  ])('"%s" → medium, book %s', (message, specialisation) => {
    expect(triageSymptoms([message])).toMatchObject({ urgency: 'medium', suggestBooking: true, redFlags: [], specialisations: [specialisation] });
  });

  it.each([
    ['a greeting', 'Hello, what can you do?'],
    ['a negated red flag', 'No chest pain, no shortness of breath, just checking in'],
  ])('%s → low, no booking pushed', (_, message) => {
    expect(triageSymptoms([message])).toMatchObject({ urgency: 'low', suggestBooking: false, redFlags: [] });
  });

  it('an earlier message still counts', () => {
    expect(triageSymptoms(['I have chest pain', 'what should I do?']).urgency).toBe('high');
  });

  it('a red-flag reply points to emergency care', () => {
    expect(triageReply(triageSymptoms(['crushing chest pain']))).toMatch(/emergency/);
  });
});

describe('the medical disclaimer', () => {
  it('is added once', () => {
    const once = withDisclaimer('Rest and drink water.');
    expect(once).toContain(MEDICAL_DISCLAIMER);
    expect(withDisclaimer(once)).toBe(once);
  });
});
