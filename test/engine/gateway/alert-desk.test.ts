import { describe, expect, it } from 'vitest';
import { type AlertChange, type AlertWorkflow, nextAlertWorkflow } from '../../../engine/gateway/index.js';

const open: AlertWorkflow = { status: 'open', assignee: null, resolution: null };
const pending: AlertWorkflow = { status: 'pending', assignee: 'Ana', resolution: null };
const resolved: AlertWorkflow = { status: 'resolved', assignee: 'Ana', resolution: 'fuse replaced' };

describe('the alerts desk workflow', () => {
  const moves: [string, AlertWorkflow, AlertChange, AlertWorkflow][] = [
    ['assigning an open alert makes it pending', open, { assignee: 'Ana' }, pending],
    ['an explicit pending with an assignee', open, { status: 'pending', assignee: 'Ana' }, pending],
    [
      'reassigning a pending alert keeps it pending',
      pending,
      { assignee: 'Bo' },
      { ...pending, assignee: 'Bo' },
    ],
    ['a resolution resolves a pending alert', pending, { resolution: 'fuse replaced' }, resolved],
    [
      'an open alert resolved at once',
      open,
      { status: 'resolved', resolution: 'false alarm' },
      { status: 'resolved', assignee: null, resolution: 'false alarm' },
    ],
    ['assign and resolve in one change', open, { assignee: 'Ana', resolution: 'fuse replaced' }, resolved],
    ['repeating a resolution changes nothing', resolved, { resolution: 'fuse replaced' }, resolved],
    ['repeating an assignment changes nothing', pending, { assignee: 'Ana', status: 'pending' }, pending],
  ];
  for (const [name, from, change, to] of moves) {
    it(name, () => expect(nextAlertWorkflow(from, change)).toEqual(to));
  }

  const refusals: [string, AlertWorkflow, AlertChange, string, RegExp][] = [
    ['an empty change', open, {}, 'INVALID', /at least one of status, assignee, resolution/],
    [
      'pending without anyone',
      open,
      { status: 'pending' },
      'INVALID',
      /body\.assignee: a pending alert needs/,
    ],
    [
      'resolved without a resolution',
      pending,
      { status: 'resolved' },
      'INVALID',
      /body\.resolution: say how/,
    ],
    [
      'a resolution on an alert kept pending',
      pending,
      { status: 'pending', resolution: 'x' },
      'INVALID',
      /resolves the alert \(status resolved, not pending\)/,
    ],
    ['back from pending to open', pending, { status: 'open' }, 'WRONG_STATE', /cannot go back to open/],
    ['a resolved alert reassigned', resolved, { assignee: 'Bo' }, 'WRONG_STATE', /resolved alert is final/],
    ['a resolved alert reopened', resolved, { status: 'open' }, 'WRONG_STATE', /resolved alert is final/],
    [
      'a resolution rewritten',
      resolved,
      { resolution: 'something else' },
      'WRONG_STATE',
      /resolved alert is final/,
    ],
    ['a blank assignee', open, { assignee: '   ' }, 'INVALID', /body\.assignee: must be 1 to 200/],
    ['an overlong resolution', pending, { resolution: 'x'.repeat(2001) }, 'INVALID', /body\.resolution/],
  ];
  for (const [name, from, change, code, message] of refusals) {
    it(`refuses ${name}`, () => {
      let thrown: unknown;
      try {
        nextAlertWorkflow(from, change);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({ code, message: expect.stringMatching(message) });
    });
  }
});
