import { parseSequencePlan } from '../../src/cli/package/channel-plan.js';

const CHANNELS = ['store-001', 'store-002'];

function planError(text: string): unknown {
  try {
    parseSequencePlan(text, 'plan.csv', CHANNELS);
  } catch (error) {
    return error;
  }
  throw new Error('the plan was accepted');
}

describe('the channel,sequence plan of package fanout', () => {
  it('reads CSV as the other inputs: quoted fields, spaces, CRLF and LF, a byte order mark, comments and blank lines', () => {
    const text = '\uFEFFchannel,sequence\r\n# saved by HQ\n\n  "store-001" , "7"\r\n  # moved\nstore-002,000000000042\nstore-003,1';
    expect([...parseSequencePlan(text, 'plan.csv', CHANNELS)]).toEqual([
      ['store-001', 7],
      ['store-002', 42],
      ['store-003', 1],
    ]);
  });

  it('reads a plan without a header', () => {
    expect(parseSequencePlan('store-001,1\nstore-002,2\n', 'plan.csv', CHANNELS).get('store-002')).toBe(2);
  });

  it.each([
    [
      'a channel planned twice',
      'channel,sequence\nstore-001,1\nstore-002,2\n\nstore-001,3\n',
      /^plan\.csv:5: channel store-001 is planned twice \(first on line 2\)$/,
    ],
    ['a bad channel id', 'store-001,1\n../etc,2\nstore-002,2\n', /^plan\.csv:2: "\.\.\/etc" is not a channel id \(1 to 64 letters/],
    ['a quoted channel id with a comma', 'store-001,1\n"store-002,x",2\n', /^plan\.csv:2: "store-002,x" is not a channel id/],
    ['a sequence of 0', 'store-001,0\n', /^plan\.csv:1: the sequence of store-001 must be a whole number from 1 to 999999999999, got "0"$/],
    ['a sequence too large', 'store-001,1000000000000\n', /^plan\.csv:1: the sequence of store-001 must be .*got "1000000000000"$/],
    ['a sequence that is no whole number', 'store-001,1e3\n', /^plan\.csv:1: the sequence of store-001 must be .*got "1e3"$/],
    ['a negative sequence', 'store-001,-1\n', /^plan\.csv:1: the sequence of store-001 must be .*got "-1"$/],
    ['an empty sequence', 'store-001,\n', /^plan\.csv:1: the sequence of store-001 must be .*got ""$/],
    ['a line without a sequence', 'store-001,1\nstore-002\n', /^plan\.csv:2: expected 2 fields, "channel,sequence", got 1$/],
    ['a field too many', 'store-001,1,x\n', /^plan\.csv:1: expected 2 fields, "channel,sequence", got 3$/],
    ['a header anywhere but first', 'store-001,1\nchannel,sequence\n', /^plan\.csv:2: the sequence of channel must be .*got "sequence"$/],
    ['an unclosed quote', 'store-001,1\nstore-002,"2\n', /^plan\.csv:2: Quote Not Closed/],
    ['a channel the list names and the plan does not', 'store-001,1\n', /^plan\.csv plans no sequence for: store-002$/],
  ])('refuses %s with the file and line', (_what, text, message) => {
    const error = planError(text);
    expect(error).toMatchObject({ code: 'E_FANOUT_CHANNELS' });
    expect((error as Error).message).toMatch(message);
  });
});
