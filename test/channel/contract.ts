import { describeApplyContract } from './apply-contract.js';
import { describeJournalContract } from './journal-contract.js';
import type { SubjectFactory } from './subject.js';
import { describeUploadContract } from './upload-contract.js';

/** The promises every `ChannelDatabase` adapter keeps, run against each one. */
export function describeChannelDatabaseContract(adapter: string, open: SubjectFactory): void {
  describe(`ChannelDatabase contract: ${adapter}`, () => {
    describe('applying packages', () => describeApplyContract(open));
    describe('download session journal', () => describeJournalContract(open));
    describe('upload planning, reading and watermarks', () => describeUploadContract(open));
  });
}
