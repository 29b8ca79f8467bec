import type { ReadView } from '../eventSourcing/projection.js';
import type { Filter } from '../ports/readStore.js';
import { DOCTORS, type DoctorDoc } from './doctorDirectory.projection.js';

export interface DoctorView {
  doctorId: string;
  id: string;
  name: string;
  avatarUrl: string | null;
  specialization: string;
  feePaise: number;
  experienceYears: number;
  bio: string;
  timezone: string;
}

export function toDoctorView(doc: DoctorDoc): DoctorView {
  return {
    doctorId: doc.id, id: doc.id, name: doc.name, avatarUrl: doc.avatarUrl ?? null, specialization: doc.specialization,
    feePaise: doc.feePaise, experienceYears: doc.experienceYears ?? 0, bio: doc.bio ?? '', timezone: doc.timezone,
  };
}

export interface DoctorSearch {
  specialization?: string;
  /** Text in the doctor's name, taken literally; ASCII letters match either case (the read store's `$contains`). */
  q?: string;
  page: number;
  limit: number;
}

export function doctorQueries(reads: ReadView) {
  return {
    async list(search: DoctorSearch): Promise<{ items: DoctorView[]; page: number; total: number }> {
      const filter: Filter = { listed: true };
      if (search.specialization) filter.specializationKey = search.specialization.toLowerCase();
      const q = search.q?.trim();
      if (q) filter.name = { $contains: q };
      // One page from the store and a count, however many doctors there are or match.
      const [docs, total] = await Promise.all([
        reads.find<DoctorDoc>(DOCTORS, filter, { sort: { name: 1 }, skip: (search.page - 1) * search.limit, limit: search.limit }),
        reads.count(DOCTORS, filter),
      ]);
      return { items: docs.map(toDoctorView), page: search.page, total };
    },
    async get(doctorId: string): Promise<DoctorView | null> {
      const doc = await reads.get<DoctorDoc>(DOCTORS, doctorId);
      return doc && doc.listed ? toDoctorView(doc) : null;
    },
  };
}
