// "Did you mean" hints for misspelt keys and enum values.

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive unless told. */
export function editDistance(a: string, b: string, caseSensitive = false): number {
  if (!caseSensitive) {
    a = a.toLowerCase();
    b = b.toLowerCase();
  }
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}

/** The candidate closest to `input`, when it is close enough to be a likely typo; ties go to the closer case ("GETT" -> "GET"). */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  let bestExact = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(input, candidate);
    const exact = editDistance(input, candidate, true);
    if (distance < bestDistance || (distance === bestDistance && exact < bestExact)) {
      best = candidate;
      bestDistance = distance;
      bestExact = exact;
    }
  }
  const tolerance = Math.max(1, Math.floor(Math.max(input.length, 3) / 3));
  if (bestDistance <= tolerance) return best;
  // A longer or shorter form of the same word: "warning" -> "warn", "cred" -> "credentials".
  const lower = input.toLowerCase();
  return candidates.find((c) => Math.min(c.length, lower.length) >= 4 && (lower.startsWith(c.toLowerCase()) || c.toLowerCase().startsWith(lower)));
}
