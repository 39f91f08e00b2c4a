import { webDavStatusError } from '../../src/workfolder/webdav-errors.js';

const operation = { action: 'write', path: 'CH01/upload/u.pkg', location: 'https://hq.example/dav/' };

test.each([
  [401, 'E_FOLDER_AUTH'],
  [403, 'E_FOLDER_READ_ONLY'],
  [405, 'E_FOLDER_READ_ONLY'],
  [404, 'E_FOLDER_NOT_FOUND'],
  [409, 'E_FOLDER_NOT_FOUND'],
  [507, 'E_FOLDER_FULL'],
  [503, 'E_FOLDER_UNREACHABLE'],
  [504, 'E_FOLDER_UNREACHABLE'],
  [301, 'E_FOLDER_IO'],
  [500, 'E_FOLDER_IO'],
  [423, 'E_FOLDER_LOCKED'],
])('HTTP %i is %s', (status, code) => {
  const error = webDavStatusError(status, operation);
  expect(error.code).toBe(code);
  expect(error.message).toContain(`HTTP ${status}`);
  expect(error.message).toContain('"CH01/upload/u.pkg" in WebDAV folder https://hq.example/dav/');
});
