import { parse, type DocumentNode } from 'graphql';

/**
 * The queries this AppSync has parsed, by their text. Apps and workers send the same few query texts over and
 * over; parsing and validating each anew cost the local stack's one thread more than the work they asked for.
 * A text always parses (and, against one schema, validates) to the same answer, so each is kept, up to `limit`
 * texts, the oldest forgotten first. A text that does not parse is not kept: its error is thrown each time.
 */
export class KnownQueries<Verdict> {
  private readonly documents = new Map<string, DocumentNode>();
  private readonly verdicts = new WeakMap<DocumentNode, { readonly verdict: Verdict }>();

  constructor(private readonly limit = 500) {}

  /** The text's document (one object for one text while it is kept); graphql-js's GraphQLError when it does not parse. */
  parse(text: string): DocumentNode {
    const known = this.documents.get(text);
    if (known) return known;
    const document = parse(text);
    if (this.documents.size >= this.limit) this.documents.delete(this.documents.keys().next().value as string);
    this.documents.set(text, document);
    return document;
  }

  /** `judge(document)`, worked out once per document. */
  verdictOn(document: DocumentNode, judge: (document: DocumentNode) => Verdict): Verdict {
    const known = this.verdicts.get(document);
    if (known) return known.verdict;
    const verdict = judge(document);
    this.verdicts.set(document, { verdict });
    return verdict;
  }
}
