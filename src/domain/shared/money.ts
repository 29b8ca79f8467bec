/** Integer paise; the brand keeps rupees, floats and counts from being passed where money belongs. */
export type Paise = number & { readonly __brand: 'Paise' };

export function paise(amount: number): Paise {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`not an amount in paise: ${amount}`);
  return amount as Paise;
}
