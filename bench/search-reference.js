// The reference server's ranking (atp-server 0.19.x packages/server/src/search/index.ts), re-implemented
// from REFERENCE-NOTES 2.5 for side-by-side comparison: substring and keyword counting.

function extractKeywords(text) {
  return text.toLowerCase().replace(/[^\w\s]/g, ' ').split(/\s+/).filter((word) => word.length > 2);
}

/** items: [{ apiGroup, functionName, description }] with the reference's naming (operationId verbatim, summary). */
export function createReferenceIndex(items) {
  const index = items.map((item) => ({ ...item, keywords: extractKeywords(item.description) }));
  return {
    search(query, maxResults = 10) {
      const q = query.toLowerCase();
      const words = extractKeywords(query);
      const results = [];
      for (const item of index) {
        let score = 0;
        const name = item.functionName.toLowerCase();
        const description = item.description.toLowerCase();
        if (description.includes(q)) score += 100;
        if (name.includes(q)) score += 50;
        for (const word of words) {
          if (item.keywords.includes(word)) score += 10;
          if (name.includes(word)) score += 5;
          if (description.includes(word)) score += 3;
        }
        if (score > 0) results.push({ ...item, relevanceScore: score });
      }
      results.sort((a, b) => b.relevanceScore - a.relevanceScore); // stable: ties keep spec order, as in the reference
      return results.slice(0, maxResults);
    },
  };
}
