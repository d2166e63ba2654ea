import { legalTransitions } from '../../core/domain/appointment';
import { fencedBlocks, readDoc } from '../support/markdown';

describe('the lifecycle diagram in docs/api.md', () => {
  it('given its stateDiagram-v2, then its moves between statuses are exactly legalTransitions in core/domain/appointment.ts', () => {
    const diagram = fencedBlocks(readDoc('docs/api.md')).find(
      (block) => block.language === 'mermaid' && block.text.startsWith('stateDiagram-v2'),
    );
    const drawn = [...(diagram?.text ?? '').matchAll(/^\s*([A-Z]+) --> ([A-Z]+)/gm)].map((match) => `${match[1]} -> ${match[2]}`);
    const legal = Object.entries(legalTransitions).flatMap(([from, targets]) => targets.map((to) => `${from} -> ${to}`));

    expect(drawn.sort()).toEqual(legal.sort());
  });
});
