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
  /** Case-insensitive text in the doctor's name. */
  q?: string;
  page: number;
  limit: number;
}

export function doctorQueries(reads: ReadView) {
  return {
    async list(search: DoctorSearch): Promise<{ items: DoctorView[]; page: number; total: number }> {
      const filter: Filter = { listed: true };
      if (search.specialization) filter.specializationKey = search.specialization.toLowerCase();
      const from = (search.page - 1) * search.limit;
      const q = search.q?.trim().toLowerCase();
      if (!q) {
        // The usual listing: one page from the store, however many doctors there are.
        const [docs, total] = await Promise.all([
          reads.find<DoctorDoc>(DOCTORS, filter, { sort: { name: 1 }, skip: from, limit: search.limit }),
          reads.count(DOCTORS, filter),
        ]);
        return { items: docs.map(toDoctorView), page: search.page, total };
      }
      // The read store has no text search: a name search reads the (filtered) directory and matches here.
      const docs = (await reads.find<DoctorDoc>(DOCTORS, filter, { sort: { name: 1 } })).filter((d) => d.name.toLowerCase().includes(q));
      return { items: docs.slice(from, from + search.limit).map(toDoctorView), page: search.page, total: docs.length };
    },
    async get(doctorId: string): Promise<DoctorView | null> {
      const doc = await reads.get<DoctorDoc>(DOCTORS, doctorId);
      return doc && doc.listed ? toDoctorView(doc) : null;
    },
  };
}
