import { describeApplyKindsContract } from './apply-kinds-contract.js';
import { describeApplyRefusalsContract } from './apply-refusals-contract.js';
import { describeApplyRollbackContract } from './apply-rollback-contract.js';
import { describeApplyValuesContract } from './apply-values-contract.js';
import { describeJournalContract } from './journal-contract.js';
import { describeRecordAndApplyContract } from './record-and-apply-contract.js';
import type { SubjectFactory } from './subject.js';
import { describeUploadContract } from './upload-contract.js';

/** The promises every `ChannelDatabase` adapter keeps, run against each one. */
export function describeChannelDatabaseContract(adapter: string, open: SubjectFactory): void {
  describe(`ChannelDatabase contract: ${adapter}`, () => {
    describe('applying packages', () => {
      describe('full and incremental packages', () => describeApplyKindsContract(open));
      describe('all or nothing', () => describeApplyRollbackContract(open));
      describe('refusals', () => describeApplyRefusalsContract(open));
      describe('recorded and applied together', () => describeRecordAndApplyContract(open));
      describe('values travel unchanged: written by a package, read back for upload', () => describeApplyValuesContract(open));
    });
    describe('download session journal', () => describeJournalContract(open));
    describe('upload planning, reading and watermarks', () => describeUploadContract(open));
  });
}
