import { describeChannelDatabaseContract } from './contract.js';
import { openSqliteSubject } from './sqlite-subject.js';

describeChannelDatabaseContract('sqlite', () => openSqliteSubject());
