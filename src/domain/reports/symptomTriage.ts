import type { Urgency } from './labFindings.js';

/**
 * Rule-based first-line triage of free-text symptoms. It never diagnoses: it spots phrases that need
 * urgent care (red flags) or a consultation, and names the specialisation to book.
 */
interface Rule {
  label: string;
  pattern: RegExp;
  specialisation: string;
}

const RED_FLAGS: readonly Rule[] = [
  { label: 'chest pain', specialisation: 'Cardiology', pattern: /chest (?:pain|tightness|pressure|discomfort)|pain in (?:my |the )?chest|heart attack/ },
  { label: 'breathlessness', specialisation: 'Pulmonology', pattern: /breathless|short(?:ness)? of breath|(?:difficulty|trouble) breathing|(?:can'?t|cannot|unable to) breathe|gasping/ },
  { label: 'signs of a stroke', specialisation: 'Neurology', pattern: /face (?:is )?droop|slurred speech|(?:weakness|numbness) (?:on|in) one side|sudden (?:confusion|numbness|weakness)/ },
  { label: 'fainting', specialisation: 'Cardiology', pattern: /faint(?:ed|ing)?\b|passed out|unconscious|collapsed/ },
  { label: 'a seizure', specialisation: 'Neurology', pattern: /seizure|convulsion|\bfits\b/ },
  { label: 'serious bleeding', specialisation: 'Gastroenterology', pattern: /vomit\w* blood|blood in (?:my )?(?:vomit|stool)|cough\w* (?:up )?blood|heavy bleeding|bleeding (?:heavily|a lot|won'?t stop)|black stools?/ },
  { label: 'a sudden severe headache', specialisation: 'Neurology', pattern: /worst headache|sudden severe headache|thunderclap/ },
  { label: 'thoughts of self-harm', specialisation: 'Psychiatry', pattern: /suicid|kill myself|end my life|self[- ]harm/ },
  { label: 'a severe allergic reaction', specialisation: 'General Physician', pattern: /throat (?:is )?(?:swelling|closing)|swollen (?:tongue|lips|throat)|anaphyla/ },
  { label: 'severe abdominal pain', specialisation: 'Gastroenterology', pattern: /severe (?:abdominal|stomach|belly) pain/ },
  { label: 'bleeding in pregnancy', specialisation: 'Gynaecology', pattern: /pregnan\w*.{0,40}bleed|bleed\w*.{0,40}pregnan/ },
];

const SYMPTOMS: readonly Rule[] = [
  { label: 'palpitations or blood pressure', specialisation: 'Cardiology', pattern: /palpitation|racing heart|heart (?:is )?racing|high (?:blood pressure|bp)|hypertension/ },
  { label: 'cough', specialisation: 'Pulmonology', pattern: /cough|wheez|asthma/ },
  { label: 'headache', specialisation: 'Neurology', pattern: /headache|migraine|numbness|tingling/ },
  { label: 'dizziness', specialisation: 'Neurology', pattern: /dizz|vertigo/ },
  { label: 'stomach trouble', specialisation: 'Gastroenterology', pattern: /stomach|abdominal|belly|diarrh|vomit|nausea|acidity|constipat|jaundice/ },
  { label: 'skin trouble', specialisation: 'Dermatology', pattern: /rash|itch|acne|eczema|psoriasis|skin/ },
  { label: 'joint or back pain', specialisation: 'Orthopaedics', pattern: /joint|back pain|knee|shoulder|fracture|sprain/ },
  { label: 'mood or sleep', specialisation: 'Psychiatry', pattern: /anxi|depress|panic|insomnia|(?:can'?t|cannot) sleep|stress/ },
  { label: "women's health", specialisation: 'Gynaecology', pattern: /period|menstrua|pregnan|pcos|vaginal/ },
  { label: 'ear, nose or throat', specialisation: 'ENT', pattern: /ear ?ache|sore throat|sinus|blocked nose|tonsil/ },
  { label: 'eyes', specialisation: 'Ophthalmology', pattern: /\beyes?\b|vision|blurr/ },
  { label: 'urinary trouble', specialisation: 'Urology', pattern: /urin|burning (?:when|while) (?:peeing|urinating)|kidney stone/ },
  { label: 'blood sugar or thyroid', specialisation: 'Endocrinology', pattern: /sugar|diabet|thyroid/ },
  { label: 'fever', specialisation: 'General Physician', pattern: /fever|temperature|chills/ },
  { label: 'tiredness', specialisation: 'General Physician', pattern: /tired|fatigue|weakness|exhausted/ },
];

/** "no chest pain", "I don't have a fever": a negation shortly before the phrase cancels it. */
const NEGATED = /\b(?:no|not|without|denies|never|don'?t have|do not have|haven'?t had)\b[^.,;!?]{0,20}$/;

export interface Triage {
  urgency: Urgency;
  suggestBooking: boolean;
  redFlags: string[];
  symptoms: string[];
  /** Most relevant first. */
  specialisations: string[];
}

function matches(text: string, rules: readonly Rule[]): Rule[] {
  return rules.filter((rule) => {
    const global = new RegExp(rule.pattern.source, 'g');
    for (const match of text.matchAll(global)) {
      if (!NEGATED.test(text.slice(Math.max(0, (match.index ?? 0) - 40), match.index))) return true;
    }
    return false;
  });
}

/** Triages what the person wrote (the current message and their earlier messages). */
export function triageSymptoms(messages: readonly string[]): Triage {
  const text = messages.join('\n').toLowerCase().replace(/[’‘]/g, "'");
  const redFlags = matches(text, RED_FLAGS);
  const symptoms = matches(text, SYMPTOMS);
  const specialisations = [...new Set([...redFlags, ...symptoms].map((r) => r.specialisation))];
  const urgency: Urgency = redFlags.length > 0 ? 'high' : symptoms.length > 0 ? 'medium' : 'low';
  return {
    urgency,
    suggestBooking: urgency !== 'low',
    redFlags: redFlags.map((r) => r.label),
    symptoms: symptoms.map((r) => r.label),
    specialisations,
  };
}

/** A plain-language answer for a triage result. */
export function triageReply(result: Triage): string {
  if (result.redFlags.length > 0) {
    return `What you describe (${result.redFlags.join(', ')}) can be a sign of something serious. `
      + 'If it is happening now or getting worse, call your local emergency number (112 in India) or go to the nearest emergency department. '
      + `Afterwards, book a consultation with ${result.specialisations[0]}.`;
  }
  if (result.symptoms.length > 0) {
    return `It sounds like ${result.symptoms.join(', ')}. A doctor should take a look: consider booking ${result.specialisations.join(' or ')}. `
      + 'Seek urgent care if it suddenly gets worse, or if chest pain, breathlessness or fainting appear.';
  }
  return 'I can help you decide whether to see a doctor. Tell me your symptoms — what you feel, since when, and how strong — '
    + 'or upload a lab report to have its values explained.';
}

export const MEDICAL_DISCLAIMER = 'This is general information, not a diagnosis or medical advice; please consult a qualified doctor.';

export function withDisclaimer(reply: string): string {
  return reply.includes(MEDICAL_DISCLAIMER) ? reply : `${reply.trim()}\n\n${MEDICAL_DISCLAIMER}`;
}
